#!/usr/bin/env bash
# Load test of the case API's caseload list and case read on loopback, against bare gin
# handlers doing the same queries on the same database without the platform's middleware
# (services/case/cmd/case-bare), and a bare gin handler with no database at all, on the same
# machine in the same run. Figures go in docs/services/case.md.
#   scripts/case-load.sh [SECONDS] [CONNECTIONS]     (default 15 s, 16 connections)
# Starts its own Postgres, Redis and Temporal (scripts/stack.sh deps), seeds 20,000 families
# across 500 caseworkers (40 each), and drives each endpoint with wrk (Debian's package,
# installed when absent): two threads, keep-alive, one caseworker's token.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
secs=${1:-15}
conns=${2:-16}
work=$(mktemp -d "${TMPDIR:-/tmp}/familypath-case-load-XXXXXX")
cleanup() {
  [[ -n "${case_pid:-}" ]] && kill "$case_pid" 2>/dev/null
  [[ -n "${bare_pid:-}" ]] && kill "$bare_pid" 2>/dev/null
  scripts/stack.sh down "$work/stack" >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT
command -v wrk >/dev/null || apt_install wrk
command -v psql >/dev/null || apt_install postgresql-client
FAMILYPATH_HEADLESS=1 FAMILYPATH_FAST_PG=1 scripts/stack.sh deps "$work/stack" >/dev/null
set -a; source "$work/stack/stack.env"; set +a

go build -o "$work/case" ./services/case/cmd/case
go build -o "$work/devtoken" ./pkg/platform/auth/cmd/devtoken
go build -o "$work/case-bare" ./services/case/cmd/case-bare
while IFS= read -r line; do export "${line?}"; done < <("$work/devtoken" init -dir "$work/oidc")
"$work/case" migrate 2>/dev/null

log "seeding 20,000 families across 500 caseworkers"
psql -q "$DATABASE_URL" <<'SQL'
INSERT INTO "case".families (id, team, lead_professional, lead_professional_agency, updated_at)
SELECT md5('family-' || g)::uuid, 'team-' || (g % 25), 'cw-' || (g % 500), 'COUNCIL_FAMILY_SERVICE', now() - g * interval '1 minute'
FROM generate_series(1, 20000) g;
INSERT INTO "case".allocations (family_id, subject, allocated_by)
SELECT md5('family-' || g)::uuid, 'cw-' || ((g + 1) % 500), 'load' FROM generate_series(1, 20000) g;
ANALYZE;
SQL
family=$(psql -Atq "$DATABASE_URL" -c "SELECT id FROM \"case\".families WHERE lead_professional = 'cw-7' LIMIT 1")
token=$("$work/devtoken" mint -dir "$work/oidc" -role caseworker -sub cw-7 -team team-7)

port=$(free_port_excluding ""); bport=$(free_port_excluding " $port ")
RATE_LIMIT_PER_MINUTE=0 HTTP_ADDR="127.0.0.1:$port" METRICS_ADDR="127.0.0.1:0" LOG_LEVEL=warn "$work/case" serve 2>"$work/case.log" &
case_pid=$!
"$work/case-bare" "127.0.0.1:$bport" &
bare_pid=$!
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && curl -fsS "http://127.0.0.1:$bport/v1/ping" >/dev/null 2>&1 && break; sleep 0.2; done

# run NAME URL [AUTH]: wrk's latency distribution and throughput, as one table row.
run() {
  local name=$1 url=$2 out
  local args=(-t2 "-c$conns" "-d${secs}s" --latency)
  [[ -n "${3:-}" ]] && args+=(-H "Authorization: Bearer $3")
  wrk "${args[@]}" "$url" >/dev/null 2>&1 # warm-up pass, not counted
  out=$(wrk "${args[@]}" "$url")
  local p50 p99 rps non2xx
  p50=$(awk '$1=="50%"{print $2}' <<<"$out"); p99=$(awk '$1=="99%"{print $2}' <<<"$out")
  rps=$(awk '/Requests\/sec/{print $2}' <<<"$out"); non2xx=$(awk '/Non-2xx/{print $NF}' <<<"$out")
  printf '| %s | %s | %s | %s | %s |\n' "$name" "$p50" "$p99" "$rps" "${non2xx:-0}"
}
echo "| endpoint ($conns connections, ${secs}s) | p50 | p99 | requests/s | non-2xx |"
echo "|---|---|---|---|---|"
run "bare gin, no database" "http://127.0.0.1:$bport/v1/ping"
run "bare gin: caseload query" "http://127.0.0.1:$bport/v1/caseload?subject=cw-7"
run "caseload: GET /v1/caseload?limit=50" "http://127.0.0.1:$port/v1/caseload?limit=50" "$token"
run "bare gin: case read query" "http://127.0.0.1:$bport/v1/families/$family/allocation"
run "case read: GET /v1/families/{id}/allocation (audited)" "http://127.0.0.1:$port/v1/families/$family/allocation" "$token"
audited=$(psql -Atq "$DATABASE_URL" -c "SELECT count(*) FROM \"case\".audit_events WHERE resource_id = '$family'")
batches=$(psql -Atq "$DATABASE_URL" -c "SELECT count(DISTINCT at) FROM \"case\".audit_events WHERE resource_id = '$family'")
log "case reads recorded in the audit trail: $audited, in $batches transactions"
