#!/usr/bin/env bash
# Protobuf contracts with the pinned buf and protoc-gen-go.
#   scripts/proto.sh generate   regenerate proto/gen
#   scripts/proto.sh check      buf lint; buf breaking against the committed baseline; generated code up to date
#   scripts/proto.sh baseline   accept the current contracts as the new baseline (deliberately!)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

BUF=$(buf_bin)
PATH="$(dirname "$(protoc_gen_go_bin)"):$PATH"
BASELINE=baseline/familypath.binpb
cd "$ROOT/proto"

case "${1:-check}" in
  generate) "$BUF" generate ;;
  baseline) mkdir -p baseline && "$BUF" build -o "$BASELINE" && log "baseline updated: commit proto/$BASELINE with the change that needs it" ;;
  check)
    "$BUF" lint
    # Family workflows live for years: a change that breaks stored histories fails here.
    "$BUF" breaking --against "$BASELINE"
    tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
    "$BUF" generate -o "$tmp"
    diff -r "$tmp/gen" gen >/dev/null || die "proto/gen is out of date: run 'make proto' and commit the result"
    log "proto: lint, breaking and generated code OK"
    ;;
  *) die "unknown command $1 (want generate, check or baseline)" ;;
esac
