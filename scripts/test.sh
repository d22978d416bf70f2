#!/usr/bin/env bash
# `make test`: everything CI runs. Static checks, the proto contracts, each module on its own,
# then unit and integration tests against real Postgres, Redis and a Temporal dev server
# started on free ports, the deployment checks (chart, k8s/, Dockerfile, Tiltfile), then the
# end-to-end tests against every binary, built statically as the Dockerfile builds them and
# running as in `make up`.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
start=$(date +%s)

mapfile -t MODULES < <(go work edit -json | sed -n 's/.*"DiskPath": "\.\/\(.*\)".*/\1/p')
PKGS=(); for m in "${MODULES[@]}"; do PKGS+=("./$m/..."); done

log "static checks"
unformatted=$(gofmt -l "${MODULES[@]}")
[[ -z "$unformatted" ]] || die "not gofmt-formatted: $unformatted"
# Lines over 120 columns (tabs as 4) that golines can break; `make lines` rewrites them.
# Raw strings (SQL) and a few long conditions it cannot break stay as they are.
long=$("$(golines_bin)" -m 120 -l "${MODULES[@]}")
[[ -z "$long" ]] || die "lines over 120 columns (run make lines): $long"
go vet "${PKGS[@]}"
go vet -tags e2e ./e2e/...
scripts/proto.sh check
scripts/security.sh

log "each module builds on its own (GOWORK=off)"
for m in "${MODULES[@]}"; do (cd "$m" && GOWORK=off go build ./... ) || die "module $m does not build on its own"; done

RUN="$ROOT/.run/test-$$"
cleanup() {
  local rc=$?
  if (( rc != 0 )) && [[ -d "$RUN/logs" ]]; then
    log "the run failed; the last lines of each log:"
    tail -n 15 "$RUN"/logs/*.log >&2 || true
  fi
  scripts/stack.sh down "$RUN" >/dev/null 2>&1 || true
  rm -rf "$RUN"
}
trap cleanup EXIT
export FAMILYPATH_HEADLESS=1 FAMILYPATH_FAST_PG=1
scripts/stack.sh deps "$RUN"
set -a; source "$RUN/stack.env"; set +a

log "unit, integration and deployment tests"
HELM=$(helm_bin); export HELM   # deploytest renders the chart with the pinned helm
PROMTOOL=$(promtool_bin); export PROMTOOL   # and tests its alert rules with the pinned promtool
go test -count=1 "${PKGS[@]}"

log "end-to-end tests against the running binaries"
# The dashboard's page is tested in headless Chromium from Debian's packages.
command -v chromium >/dev/null || apt_install chromium
# Beside the shipped plans, a test plan whose sustained periods are seconds long.
export FAMILYPATH_PLANS_DIR="$ROOT/e2e/testdata/plans"
scripts/stack.sh services "$RUN"
set -a; source "$RUN/stack.env"; set +a
# Only the package that drives the binaries: e2e/inprocess ran above, and run again here its
# family workflows would be taken by the stack's workflow worker (one namespace) and fail.
go test -count=1 -tags e2e ./e2e/

log "make up's demo data, again after a user's own upload, then make demo"
# As a user hits it: the demo data loaded, a file of the user's own uploaded, `make up`'s demo
# data loaded again (it must find its own run, not refuse); then the demo story to PAID.
scripts/stack.sh demo-data "$RUN"
command -v curl >/dev/null || apt_install curl
user_token=$("$RUN/bin/devtoken" mint -dir "$RUN/oidc" -role data_analyst -sub test.user)
head -n 40 "$RUN/demo-county-2026/police.csv" | curl -fsS -o /dev/null -X POST -H "Authorization: Bearer $user_token" -H 'Content-Type: text/csv' \
  "$IDENTIFICATION_URL/v1/uploads?feed=police&as_of=2026-11-01&file_name=my-extract.csv" --data-binary @- || die "the user's upload failed"
scripts/stack.sh demo-data "$RUN"
scripts/stack.sh demo "$RUN"

log "all tests passed in $(( $(date +%s) - start ))s"
