# Shared shell helpers for make up / make down / make test. Source, don't run.
# shellcheck shell=bash
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=versions.sh
source "$ROOT/scripts/versions.sh"
TOOLS_CACHE="${FAMILYPATH_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/familypath/tools}"

log() { printf '%s %s\n' "[familypath]" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# ensure_go_tool NAME MODULE VERSION: prints the path of the pinned binary, installing it
# into $TOOLS_CACHE/NAME-VERSION the first time.
ensure_go_tool() {
  local name=$1 module=$2 version=$3
  local dir="$TOOLS_CACHE/$name-$version"
  if [[ ! -x "$dir/$name" ]]; then
    command -v go >/dev/null || die "Go is required (https://go.dev/doc/install); install it and retry"
    log "installing $name $version into $dir (first run only)"
    mkdir -p "$dir"
    GOBIN="$dir" GOFLAGS=-buildvcs=false GOWORK=off go install "$module@$version" >&2 \
      || die "could not install $module@$version"
  fi
  printf '%s\n' "$dir/$name"
}

temporal_bin() { ensure_go_tool temporal "$TEMPORAL_CLI_MODULE" "$TEMPORAL_CLI_VERSION"; }
buf_bin() { ensure_go_tool buf "$BUF_MODULE" "$BUF_VERSION"; }
protoc_gen_go_bin() { ensure_go_tool protoc-gen-go "$PROTOC_GEN_GO_MODULE" "$PROTOC_GEN_GO_VERSION"; }
helm_bin() { ensure_go_tool helm "$HELM_MODULE" "$HELM_VERSION"; }
staticcheck_bin() { ensure_go_tool staticcheck "$STATICCHECK_MODULE" "$STATICCHECK_VERSION"; }
gosec_bin() { ensure_go_tool gosec "$GOSEC_MODULE" "$GOSEC_VERSION"; }
govulncheck_bin() { ensure_go_tool govulncheck "$GOVULNCHECK_MODULE" "$GOVULNCHECK_VERSION"; }
golines_bin() { ensure_go_tool golines "$GOLINES_MODULE" "$GOLINES_VERSION"; }
promtool_bin() { ensure_go_tool promtool "$PROMTOOL_MODULE" "$PROMTOOL_VERSION"; }

apt_install() {
  log "installing Debian packages: $*"
  local sudo=""
  [[ $(id -u) -eq 0 ]] || sudo="sudo"
  $sudo apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >&2 \
    || die "apt-get install $* failed"
}

# pg_bindir prints the folder holding initdb/pg_ctl, installing PostgreSQL when absent.
pg_bindir() {
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    [[ -x "$d/initdb" && -x "$d/pg_ctl" ]] && { printf '%s\n' "$d"; return; }
  done
  if command -v initdb >/dev/null && command -v pg_ctl >/dev/null; then
    dirname "$(command -v initdb)"; return
  fi
  apt_install postgresql >/dev/null
  pg_bindir
}

ensure_redis() {
  command -v redis-server >/dev/null || apt_install redis-server
  command -v redis-server >/dev/null || die "redis-server not found after install"
}

# port_free PORT: true when nothing listens on 127.0.0.1:PORT.
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# free_port_excluding "P1 P2 ...": prints a loopback port nobody listens on and not in the list.
# Never a fixed port: other programs may hold any of them. Ports come from below the kernel's
# ephemeral range, so an outgoing connection cannot take the port between choosing and binding.
free_port_excluding() {
  local p i low=32768
  read -r low _ < /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || true
  (( low > 11000 )) || die "the ephemeral port range starts at $low: no room for fixed-free ports below it"
  for i in $(seq 1 200); do
    p=$(( 10000 + (RANDOM * 32768 + RANDOM) % (low - 10000) ))
    [[ " $1 " == *" $p "* ]] && continue
    port_free "$p" && { printf '%s\n' "$p"; return; }
  done
  die "no free loopback port found"
}

# wait_for NAME SECONDS CMD...: retries CMD until it succeeds or SECONDS pass.
wait_for() {
  local name=$1 secs=$2; shift 2
  local deadline=$(( $(date +%s) + secs ))
  until "$@" >/dev/null 2>&1; do
    (( $(date +%s) < deadline )) || die "$name did not become ready within ${secs}s"
    sleep 0.2
  done
}

# throwaway_stack NAME: a stack of its own for a benchmark, in a new temporary folder ($work;
# the stack in $RUN, $work/stack): its dependencies and every service, headless, with its
# environment exported; stopped and deleted when the script exits.
throwaway_stack() {
  work=$(mktemp -d "${TMPDIR:-/tmp}/familypath-$1-XXXXXX")
  RUN="$work/stack"
  trap 'scripts/stack.sh down "$RUN" >/dev/null 2>&1; rm -rf "$work"' EXIT
  export FAMILYPATH_HEADLESS=1
  scripts/stack.sh deps "$RUN" >/dev/null
  scripts/stack.sh services "$RUN" >/dev/null
  set -a
  # shellcheck disable=SC1091 # written by stack.sh
  source "$RUN/stack.env"
  set +a
}
