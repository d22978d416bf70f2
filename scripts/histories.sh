#!/usr/bin/env bash
# `make histories [ARGS=-only name,...]`: records new workflow histories for the replay tests
# (workflows/family/testdata/histories) from a throwaway Temporal dev server, with synthetic
# activities and the committed test-only payload key (workflows/internal/capture). Commit the
# histories with the workflow change they were recorded before: the replay tests then prove
# that later code still replays them.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
work=$(mktemp -d "${TMPDIR:-/tmp}/familypath-histories-XXXXXX")
trap 'scripts/stack.sh down "$work" >/dev/null 2>&1; rm -rf "$work"' EXIT
FAMILYPATH_HEADLESS=1 scripts/stack.sh deps "$work" >/dev/null
set -a; source "$work/stack.env"; set +a
go run ./workflows/internal/capture -out workflows/family/testdata/histories -keys workflows/family/testdata/payload-keys.test "$@"
log "histories written to workflows/family/testdata/histories"
