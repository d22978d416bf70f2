# syntax=docker/dockerfile:1
# One multi-stage build, one image target per binary (see scripts/binaries.sh list):
#   docker build --target identification -t familypath/identification:$VERSION .
# Every binary is static (CGO_ENABLED=0) and runs as a non-root user on a distroless base
# with no shell. Pin the base images by digest in your registry mirror for production builds.

ARG GO_VERSION=1.26.8

FROM golang:${GO_VERSION}-bookworm AS build
WORKDIR /src
ENV GOFLAGS=-buildvcs=false GOTOOLCHAIN=local
# Module downloads first, so source edits do not invalidate them.
COPY go.work ./
COPY proto/go.mod proto/go.sum proto/
COPY pkg/platform/go.mod pkg/platform/go.sum pkg/platform/
COPY pkg/outcomes/go.mod pkg/outcomes/go.sum pkg/outcomes/
COPY pkg/extracts/go.mod pkg/extracts/
COPY pkg/synthetic/go.mod pkg/synthetic/go.sum pkg/synthetic/
COPY pkg/linkage/go.mod pkg/linkage/go.sum pkg/linkage/
COPY plans/go.mod plans/
COPY workflows/go.mod workflows/go.sum workflows/
COPY e2e/go.mod e2e/go.sum e2e/
COPY services/identification/go.mod services/identification/go.sum services/identification/
COPY services/attachment/go.mod services/attachment/go.sum services/attachment/
COPY services/case/go.mod services/case/go.sum services/case/
COPY services/tracking/go.mod services/tracking/go.sum services/tracking/
COPY services/claims/go.mod services/claims/go.sum services/claims/
RUN --mount=type=cache,target=/root/go/pkg/mod go mod download -x all >/dev/null 2>&1 || true
COPY . .
ARG VERSION=dev
RUN --mount=type=cache,target=/root/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    VERSION=${VERSION} scripts/binaries.sh build /out

FROM gcr.io/distroless/static-debian12:nonroot AS runtime
USER 65532:65532
WORKDIR /

FROM runtime AS identification
COPY --from=build /out/identification /usr/local/bin/identification
ENTRYPOINT ["/usr/local/bin/identification"]

FROM runtime AS attachment
COPY --from=build /out/attachment /usr/local/bin/attachment
ENTRYPOINT ["/usr/local/bin/attachment"]

FROM runtime AS case
COPY --from=build /out/case /usr/local/bin/case
ENTRYPOINT ["/usr/local/bin/case"]

FROM runtime AS tracking
COPY --from=build /out/tracking /usr/local/bin/tracking
ENTRYPOINT ["/usr/local/bin/tracking"]

FROM runtime AS claims
COPY --from=build /out/claims /usr/local/bin/claims
ENTRYPOINT ["/usr/local/bin/claims"]

FROM runtime AS workflow-worker
COPY --from=build /out/workflow-worker /usr/local/bin/workflow-worker
ENTRYPOINT ["/usr/local/bin/workflow-worker"]
