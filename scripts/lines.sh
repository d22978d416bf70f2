#!/usr/bin/env bash
# `make lines`: breaks Go lines over 120 columns with the pinned golines, as `make test`
# checks. golines breaks one level per pass, so it runs until nothing is left to break.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
mapfile -t MODULES < <(go work edit -json | sed -n 's/.*"DiskPath": "\.\/\(.*\)".*/\1/p')
GOLINES=$(golines_bin)
for _ in 1 2 3 4 5 6; do
  [[ -z "$("$GOLINES" -m 120 -l "${MODULES[@]}")" ]] && exit 0
  "$GOLINES" -m 120 -w "${MODULES[@]}"
done
die "golines did not settle after six passes"
