#!/usr/bin/env bash
# Measures ingest end to end: a synthetic county of about 1 million rows across every feed
# (identification county), loaded by `identification ingest` into Postgres, against COPY
# alone of the same rows into the same table. Figures go in docs/services/identification.md.
#   scripts/ingest-bench.sh [HOUSEHOLDS]     (default 200500: 1,000,084 rows)
# Uses DATABASE_URL when set (its identification schema's extract tables are emptied), else
# starts its own Postgres (with the machine's default durability settings) and stops it after.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
households=${1:-200500}
work=$(mktemp -d "${TMPDIR:-/tmp}/familypath-ingest-bench-XXXXXX")
cleanup() {
  [[ -n "${own_stack:-}" ]] && scripts/stack.sh down "$work/stack" >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT
if [[ -z "${DATABASE_URL:-}" ]]; then
  own_stack=1
  FAMILYPATH_HEADLESS=1 scripts/stack.sh deps "$work/stack" >/dev/null
  set -a; source "$work/stack/stack.env"; set +a
fi
if [[ -z "${FIELD_KEYS_FILE:-}${FIELD_KEYS:-}" ]]; then # rows' identities are sealed as in production
  FIELD_KEYS="bench:$(head -c 32 /dev/urandom | base64 -w0)"; export FIELD_KEYS
fi
command -v psql >/dev/null || apt_install postgresql-client
go build -o "$work/identification" ./services/identification/cmd/identification
"$work/identification" migrate 2>/dev/null
"$work/identification" county --out "$work/county" --households "$households" --seed 1 | head -1
empty() { psql -q "$DATABASE_URL" -c "TRUNCATE identification.extract_rows, identification.uploads, identification.upload_issues"; }
rows=$(($(cat "$work"/county/*.csv | wc -l) - 9))
for parallel in 1 2; do
  empty
  /usr/bin/time -f "%e %M" -o "$work/time" "$work/identification" ingest --parallel "$parallel" --as-of 2016-10-01 \
    --loaded-by bench "$work"/county/*.csv >/dev/null 2>&1
  read -r secs kb <"$work/time"
  log "ingest --parallel $parallel: $rows rows in ${secs}s = $(awk "BEGIN{printf \"%d\", $rows/$secs}") rows/s, peak RSS $((kb / 1024)) MiB"
done
psql -q "$DATABASE_URL" -c "\\copy identification.extract_rows TO '$work/rows.copy'"
empty
start=$(date +%s.%N)
psql -q "$DATABASE_URL" -c "\\copy identification.extract_rows FROM '$work/rows.copy'"
secs=$(awk "BEGIN{printf \"%.2f\", $(date +%s.%N) - $start}")
log "COPY alone (psql \\copy of the same rows, same table): ${secs}s = $(awk "BEGIN{printf \"%d\", $rows/$secs}") rows/s"
empty
