# Pinned tool versions: the one place they are set. Sourced by scripts/lib.sh.
# Tools are installed into a per-user cache keyed by version (outside the clone), so fresh
# clones on the same machine reuse them.
TEMPORAL_CLI_MODULE=github.com/temporalio/cli/cmd/temporal
TEMPORAL_CLI_VERSION=v1.5.1
BUF_MODULE=github.com/bufbuild/buf/cmd/buf
BUF_VERSION=v1.75.0
PROTOC_GEN_GO_MODULE=google.golang.org/protobuf/cmd/protoc-gen-go
PROTOC_GEN_GO_VERSION=v1.36.11
HELM_MODULE=helm.sh/helm/v3/cmd/helm
HELM_VERSION=v3.22.0
STATICCHECK_MODULE=honnef.co/go/tools/cmd/staticcheck
STATICCHECK_VERSION=v0.8.2
GOSEC_MODULE=github.com/securego/gosec/v2/cmd/gosec
GOSEC_VERSION=v2.29.0
GOVULNCHECK_MODULE=golang.org/x/vuln/cmd/govulncheck
GOVULNCHECK_VERSION=v1.8.0
# promtool tests the chart's alert rules (deploytest, `promtool test rules`).
PROMTOOL_MODULE=github.com/prometheus/prometheus/cmd/promtool
PROMTOOL_VERSION=v0.316.0
# golines keeps Go lines within 120 columns (make test fails on a file it would rewrite).
GOLINES_MODULE=github.com/segmentio/golines
GOLINES_VERSION=v0.13.0
