#!/usr/bin/env bash
# Measures a whole identification run in batch mode: a synthetic county of about 1 million
# rows (identification county), then `identification batch` over it (read, link, group,
# judge, write), timed with its peak memory and the time of each stage. No database or
# Temporal is needed. Figures go in docs/services/identification.md.
#   scripts/batch-bench.sh [HOUSEHOLDS]     (default 200500: 1,000,084 rows)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
households=${1:-200500}
work=$(mktemp -d "${TMPDIR:-/tmp}/familypath-batch-bench-XXXXXX")
trap 'rm -rf "$work"' EXIT
go build -o "$work/identification" ./services/identification/cmd/identification
"$work/identification" county --out "$work/county" --households "$households" --seed 1 | head -1
/usr/bin/time -f "%e %M" -o "$work/time" "$work/identification" batch --in "$work/county" --out "$work/out" --date 2016-10-01
read -r secs kb <"$work/time"
log "batch: ${secs}s wall clock, peak RSS $((kb / 1024)) MiB"
