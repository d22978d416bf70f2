#!/usr/bin/env bash
# `make chaos`: the fault suite (docs/testing.md, "Faults"). A throwaway stack on loopback with
# the seconds-scale test plan; then e2e/chaos_e2e_test.go uploads and identifies a county and
# takes families to a paid result while scripts/stack.sh bounce kills and restarts Postgres,
# Redis, the Temporal dev server and every service's processes at seeded random moments, and
# checks afterwards that nothing was doubled, lost or half-done. Not part of `make test`: it
# takes about ten minutes (CHAOS_DURATION of families starting, then the window and the checks) and its faults are random unless CHAOS_SEED repeats them.
#   make chaos [CHAOS_SEED=N] [CHAOS_DURATION=4m]
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
export FAMILYPATH_PLANS_DIR="$ROOT/e2e/testdata/plans"
throwaway_stack chaos
keep_logs() {
  local rc=$?
  if (( rc != 0 )); then
    mkdir -p "$ROOT/.run" && cp -r "$RUN/logs" "$ROOT/.run/chaos-logs-$(date +%s)" 2>/dev/null
    log "chaos failed: the stack's logs are kept in .run/chaos-logs-*"
  fi
  scripts/stack.sh down "$RUN" >/dev/null 2>&1; rm -rf "$work"
}
trap keep_logs EXIT
log "chaos: faults against the stack in $RUN"
go test -count=1 -tags 'e2e chaos' -run TestTheProgrammeHoldsThroughFaults -timeout 40m -v ./e2e/
