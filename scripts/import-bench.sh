#!/usr/bin/env bash
# Measures an import of a running programme through the running services: a synthetic
# mid-programme file of about 10,000 families (case synthetic-import), its dry run, then
# POST /v1/imports (the commit: every case, member and import row in one transaction) and the
# ImportProgramme workflow applying it (attachment register, ledger, each family's workflow
# started in its phase), with every binary running as in `make up`. It prints each time, the
# families by phase in Temporal, and whether the dashboard reconciles with the imported ledger.
# Figures go in docs/import-contract.md.
#   scripts/import-bench.sh [HOUSEHOLDS]     (default 115000: about 10,000 families)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
households=${1:-115000}
throwaway_stack import-bench
"$RUN/bin/case" synthetic-import --out "$work/import.csv" --households "$households" --seed 1
log "file: $(($(wc -l <"$work/import.csv") - 1)) rows, $(du -h "$work/import.csv" | cut -f1)"
token=$("$RUN/bin/devtoken" mint -dir "$RUN/oidc" -role data_analyst -sub bench)
manager=$("$RUN/bin/devtoken" mint -dir "$RUN/oidc" -role programme_manager -sub bench)
post() { curl -fsS -H "Authorization: Bearer $token" -H 'Content-Type: text/csv' --data-binary "@$work/import.csv" "$@"; }
field() { sed -n "s/.*\"$1\":\"\{0,1\}\([^\",}]*\).*/\1/p" | head -n1; }
secs() { awk "BEGIN{printf \"%.1f\", $2-$1}"; }
t0=$(date +%s.%N)
post "$CASE_URL/v1/imports/dry-run" -o "$work/dry-run.json"
t1=$(date +%s.%N)
log "dry run: $(secs "$t0" "$t1") s (importable: $(field importable <"$work/dry-run.json"), families: $(field families <"$work/dry-run.json"))"
body=$(post "$CASE_URL/v1/imports")
t2=$(date +%s.%N)
id=$(echo "$body" | field import_id)
families=$(echo "$body" | field families)
log "commit: $(secs "$t1" "$t2") s for $families families (import $id)"
status=""
while [[ "$status" != DONE ]]; do
  sleep 1
  status=$(curl -fsS -H "Authorization: Bearer $token" "$CASE_URL/v1/imports/$id" | field status)
done
t3=$(date +%s.%N)
log "applied (attachment, ledger, each family's workflow started): $(secs "$t2" "$t3") s = $(awk "BEGIN{printf \"%d\", $families/($t3-$t2)}") families a second"
for phase in TRACKING SUBMITTED PAID PROGRAMME_ENDED; do
  n=$("$(temporal_bin)" workflow count --address "$TEMPORAL_ADDRESS" \
    --query "WorkflowType='FamilyLifecycle' AND FamilyPhase='FAMILY_PHASE_$phase'" 2>/dev/null | sed -n 's/Total: //p')
  log "  families in $phase: ${n:-0}"
done
dash=$(curl -fsS -H "Authorization: Bearer $manager" "$CLAIMS_URL/v1/plans/lancashire-phase2/dashboard")
log "dashboard: families claimed $(echo "$dash" | field families_claimed); file: $(cut -d, -f2,16 "$work/import.csv" | sort -u | grep -cE ',(SUBMITTED|PAID)$') claimed families"
