#!/usr/bin/env bash
# Measures an identification run through the running services: a synthetic county of about
# 1 million rows loaded into Postgres (identification ingest), then POST /v1/identification-runs
# and the IdentificationRun workflow on a Temporal dev server, with every binary running as in
# `make up`. It prints how long linking took (read the rows, link, group, judge, keep), how long
# the fan-out took (signal-with-start for every eligible family) and its rate, how long the
# families' workflows took to take their signal, and the identification worker's peak memory.
# Figures go in docs/services/identification.md.
#   scripts/run-bench.sh [HOUSEHOLDS]     (default 200500: 1,000,084 rows)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
households=${1:-200500}
throwaway_stack run-bench
"$RUN/bin/identification" county --out "$work/county" --households "$households" --seed 1 | head -1
env DATABASE_URL="$DATABASE_URL" FIELD_KEYS_FILE="$FIELD_KEYS_FILE" "$RUN/bin/identification" ingest --as-of 2016-10-01 \
  --loaded-by bench "$work"/county/*.csv >/dev/null
go build -o "$work/devtoken" ./pkg/platform/auth/cmd/devtoken
token=$("$work/devtoken" mint -dir "$RUN/oidc" -role data_analyst -sub bench)
api() { curl -fsS -H "Authorization: Bearer $token" -H 'Content-Type: application/json' "$@"; }
field() { sed -n "s/.*\"$1\":\"\{0,1\}\([^\",}]*\).*/\1/p"; }
start=$(date +%s.%N)
run=$(api -X POST "$IDENTIFICATION_URL/v1/identification-runs" -H "Idempotency-Key: bench-$(date +%s%N)" \
  -d '{"plan_id":"lancashire-phase2","reference_date":"2016-10-01"}' | field id | head -n1)
linked="" status=""
while [[ "$status" != COMPLETED ]]; do
  sleep 0.5
  body=$(api "$IDENTIFICATION_URL/v1/identification-runs/$run")
  status=$(echo "$body" | field status | head -n1)
  [[ -z "$linked" && "$status" != RUNNING ]] && linked=$(date +%s.%N)
done
finished=$(date +%s.%N)
eligible=$(echo "$body" | sed -n 's/.*"eligible":\([0-9]*\).*/\1/p' | head -n1)
worker=$(head -n1 "$RUN/pids/identification-worker.pid")
peak=$(awk '/VmHWM/ {print int($2/1024)}' "/proc/$worker/status")
log "linking (read, link, group, judge, keep): $(awk "BEGIN{printf \"%.1f\", $linked-$start}") s, identification worker peak RSS $peak MiB"
log "fan-out: $eligible families signal-with-started in $(awk "BEGIN{printf \"%.1f\", $finished-$linked}") s = $(awk "BEGIN{printf \"%d\", $eligible/($finished-$linked)}") a second"
# The families' workflows take their evidence signal and ask identification for their problems.
taken=0; t0=$(date +%s)
while (( taken < eligible && $(date +%s) - t0 < 600 )); do
  sleep 2
  taken=$("$(temporal_bin)" workflow count --address "$TEMPORAL_ADDRESS" \
    --query "WorkflowType='FamilyLifecycle' AND OutstandingProblemCount > 0" 2>/dev/null | sed -n 's/Total: //p')
  taken=${taken:-0}
done
log "families' workflows described: $taken of $eligible, $(awk "BEGIN{printf \"%.1f\", $(date +%s.%N)-$start}") s after the run was asked for"
