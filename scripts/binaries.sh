#!/usr/bin/env bash
# The product's binaries, built statically (CGO_ENABLED=0) exactly as the Dockerfile builds them.
#   scripts/binaries.sh list        print "name package" per binary
#   scripts/binaries.sh build OUT   build every binary into OUT
# The Dockerfile runs `scripts/binaries.sh build /out`; `make test` runs it too, and a test checks
# that the Dockerfile has one image target per binary.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

list() {
  local s
  for s in identification attachment case tracking claims; do echo "$s ./services/$s/cmd/$s"; done
  echo "workflow-worker ./workflows/cmd/workflow-worker"
}

case "${1:-list}" in
  list) list ;;
  build)
    out=${2:?usage: binaries.sh build OUT}
    mkdir -p "$out"
    version=${VERSION:-$(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo dev)}
    cd "$ROOT"
    list | while read -r name pkg; do
      CGO_ENABLED=0 go build -trimpath \
        -ldflags "-s -w -X github.com/familypath/familypath/pkg/platform/service.Version=$version" \
        -o "$out/$name" "$pkg"
    done
    ;;
  *) echo "unknown command $1 (want list or build)" >&2; exit 2 ;;
esac
