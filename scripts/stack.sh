#!/usr/bin/env bash
# The local stack: Postgres, Redis and the Temporal dev server on free loopback ports (unless
# DATABASE_URL / REDIS_URL / TEMPORAL_ADDRESS are given), then every service's serve and
# worker and the workflow worker. Used by `make up`, `make down` and `make test`.
#
#   scripts/stack.sh up   [RUN_DIR]   start what is not running, (re)start the services, load demo data
#   scripts/stack.sh deps [RUN_DIR]   start only Postgres, Redis and Temporal
#   scripts/stack.sh demo [RUN_DIR]   take demo families to a paid result on the running stack (make demo)
#   scripts/stack.sh demo-data [RUN_DIR]   load the demo data into the running stack again (up does it)
#   SVC=tracking scripts/stack.sh restart [RUN_DIR]   rebuild and restart one service (or workflow-worker)
#   scripts/stack.sh down [RUN_DIR]   stop exactly what up/deps started
#   scripts/stack.sh env  [RUN_DIR]   print the stack's environment (source it to talk to the stack)
#
# Everything a run makes lives in RUN_DIR (default .run/): data, logs/, pids/, stack.env.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SERVICES=(identification attachment case tracking claims)

cmd=${1:-up}
RUN=${2:-$ROOT/.run}
mkdir -p "$RUN/logs" "$RUN/pids" "$RUN/bin"
# The stack's binaries: the end-to-end suite runs their own commands (case synthetic-import).
FAMILYPATH_BIN_DIR=$(cd "$RUN/bin" && pwd)
RUN=$(cd "$RUN" && pwd)
STATE="$RUN/stack.env"
HEADLESS=${FAMILYPATH_HEADLESS:-0} # 1: no Temporal UI (tests)
FAST_PG=${FAMILYPATH_FAST_PG:-0}   # 1: fsync off (throwaway test databases only)

# What the caller gave wins over what a previous run recorded.
EXT_DATABASE_URL=${DATABASE_URL:-}
EXT_REDIS_URL=${REDIS_URL:-}
EXT_TEMPORAL_ADDRESS=${TEMPORAL_ADDRESS:-}
EXT_PLANS_DIR=${FAMILYPATH_PLANS_DIR:-}
unset DATABASE_URL REDIS_URL TEMPORAL_ADDRESS
[[ -f "$STATE" ]] && source "$STATE"
# Plan folders beside the shipped plans: the caller's (or the last run's), and always the
# demo plan (plans/demo), whose programme runs today with minutes-long periods (`make demo`).
FAMILYPATH_PLANS_DIR=${EXT_PLANS_DIR:-${FAMILYPATH_PLANS_DIR:-}}
case ":$FAMILYPATH_PLANS_DIR:" in
  *":$ROOT/plans/demo:"*) ;;
  *) FAMILYPATH_PLANS_DIR="${FAMILYPATH_PLANS_DIR:+$FAMILYPATH_PLANS_DIR:}$ROOT/plans/demo" ;;
esac
export FAMILYPATH_PLANS_DIR

pidfile() { printf '%s\n' "$RUN/pids/$1.pid"; }

# alive NAME: the process recorded for NAME is running (and is still that program).
alive() {
  local f pid; f=$(pidfile "$1")
  [[ -f "$f" ]] || return 1
  pid=$(head -n1 "$f")
  [[ -n "$pid" && -r "/proc/$pid/cmdline" ]] || return 1
  tr '\0' ' ' < "/proc/$pid/cmdline" | grep -q -- "$(cat "$f.match" 2>/dev/null || echo "$1")"
}

# launch NAME MATCH CMD...: start CMD detached, logging to logs/NAME.log, and record its pid.
launch() {
  local name=$1 match=$2; shift 2
  setsid nohup "$@" >>"$RUN/logs/$name.log" 2>&1 </dev/null &
  echo $! > "$(pidfile "$name")"
  printf '%s\n' "$match" > "$(pidfile "$name").match"
}

# health_url NAME ADDR: NAME's health and metrics (/healthz, /readyz, /metrics on its
# METRICS_ADDR), kept in stack.env as NAME_HEALTH_URL (case-serve: CASE_SERVE_HEALTH_URL).
health_url() {
  local v="${1^^}_HEALTH_URL"
  printf -v "${v//-/_}" '%s' "http://$2"
}

save_state() {
  {
    echo "# familypath local stack ($(date -u +%FT%TZ)); source this file to reach it"
    for v in DATABASE_URL APP_DATABASE_URL REDIS_URL TEMPORAL_ADDRESS TEMPORAL_NAMESPACE TEMPORAL_UI_URL PG_PORT REDIS_PORT TEMPORAL_PORT TEMPORAL_UI_PORT \
             TEMPORAL_HTTP_PORT TEMPORAL_METRICS_PORT TEMPORAL_CLI PAYLOAD_KEYS_FILE FIELD_KEYS_FILE \
             OIDC_ISSUER OIDC_AUDIENCE OIDC_JWKS_URL CODEC_URL FAMILYPATH_PLANS_DIR FAMILYPATH_BIN_DIR \
             "${SERVICES[@]/%/_URL}" $(compgen -v | grep '_HEALTH_URL$'); do
      v=${v^^}
      if [[ -n "${!v:-}" ]]; then printf 'export %s="%s"\n' "$v" "${!v}"; fi
    done
  } | sort -u > "$STATE"
}

# ---- Postgres ----------------------------------------------------------------------------

as_pg() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# pg_home: a folder Postgres's own user can write. Postgres refuses to run as root, so as
# root the data folder belongs to the postgres user; when it cannot reach the project's
# folder (a clone under /root), the data goes to /var/tmp instead.
pg_home() {
  local home="$RUN/postgres"
  if [[ $(id -u) -eq 0 ]]; then
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin postgres
    mkdir -p "$home" && chown postgres "$home"
    if ! as_pg test -w "$home"; then
      home="/var/tmp/familypath-$(printf '%s' "$RUN" | sha1sum | cut -c1-12)/postgres"
      mkdir -p "$home" && chown postgres "$home" "$(dirname "$home")"
    fi
  fi
  printf '%s\n' "$home"
}

start_postgres() {
  if [[ -n "$EXT_DATABASE_URL" ]]; then DATABASE_URL=$EXT_DATABASE_URL APP_DATABASE_URL=""; log "Postgres: using DATABASE_URL"; return; fi
  local bin home; bin=$(pg_bindir); home=$(pg_home)
  printf '%s\n' "$home" > "$RUN/pids/postgres.home"
  if ! as_pg "$bin/pg_ctl" -D "$home/data" status >/dev/null 2>&1; then
    if [[ ! -f "$home/data/PG_VERSION" ]]; then
      as_pg "$bin/initdb" -D "$home/data" -U postgres --auth=trust -E UTF8 --no-locale >"$RUN/logs/initdb.log" 2>&1 \
        || die "initdb failed: see $RUN/logs/initdb.log"
    fi
    alloc_port PG_PORT
    pg_start "$bin" "$home"
    ln -sf "$home/postgres.log" "$RUN/logs/postgres.log"
  fi
  "$bin/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -Atqc "SELECT 1 FROM pg_database WHERE datname='familypath'" postgres | grep -q 1 \
    || "$bin/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres familypath
  DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/familypath?sslmode=disable"
  # The services log in as familypath_app, which owns nothing: `migrate` (as postgres, the
  # owner) grants it its rows and only appends to the audit trails (docs/deployment.md).
  "$bin/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -Atqc "SELECT 1 FROM pg_roles WHERE rolname='familypath_app'" postgres \
    | grep -q 1 || "$bin/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -qc "CREATE ROLE familypath_app LOGIN" postgres >/dev/null
  APP_DATABASE_URL="postgres://familypath_app@127.0.0.1:$PG_PORT/familypath?sslmode=disable"
  log "Postgres: 127.0.0.1:$PG_PORT (data in $home/data)"
}

# pg_start BIN HOME: the stack's Postgres on PG_PORT.
pg_start() {
  local opts="-p $PG_PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories= -c max_connections=200"
  [[ "$FAST_PG" == 1 ]] && opts="$opts -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  as_pg "$1/pg_ctl" -D "$2/data" -l "$2/postgres.log" -o "$opts" -w -t 60 start >/dev/null \
    || die "Postgres did not start: see $2/postgres.log"
}

stop_postgres() {
  [[ -f "$RUN/pids/postgres.home" ]] || return 0
  local home bin; home=$(cat "$RUN/pids/postgres.home"); bin=$(pg_bindir)
  as_pg "$bin/pg_ctl" -D "$home/data" status >/dev/null 2>&1 && as_pg "$bin/pg_ctl" -D "$home/data" -m fast -w stop >/dev/null
  rm -f "$RUN/pids/postgres.home"
  log "Postgres stopped"
}

# ---- Redis -------------------------------------------------------------------------------

# launch_redis: Redis on REDIS_PORT. It keeps only what may be lost (caches, idempotency keys):
# no persistence.
launch_redis() {
  mkdir -p "$RUN/redis"
  launch redis redis-server redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no \
    --dir "$RUN/redis" --protected-mode yes
  wait_for Redis 20 port_open "$REDIS_PORT"
}

start_redis() {
  if [[ -n "$EXT_REDIS_URL" ]]; then REDIS_URL=$EXT_REDIS_URL; log "Redis: using REDIS_URL"; return; fi
  ensure_redis
  if ! alive redis; then
    alloc_port REDIS_PORT
    launch_redis
  fi
  REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
  log "Redis: 127.0.0.1:$REDIS_PORT"
}

# ---- Temporal ----------------------------------------------------------------------------

# launch_temporal: the dev server on the stack's Temporal ports. Its database file keeps
# workflows across restarts.
launch_temporal() {
  mkdir -p "$RUN/temporal"
  local ui=(--headless)
  [[ -n "${TEMPORAL_UI_PORT:-}" ]] && ui=(--ui-port "$TEMPORAL_UI_PORT")
  launch temporal "server start-dev" "$TEMPORAL_CLI" server start-dev --ip 127.0.0.1 --port "$TEMPORAL_PORT" \
    --http-port "$TEMPORAL_HTTP_PORT" --metrics-port "$TEMPORAL_METRICS_PORT" "${ui[@]}" \
    --db-filename "$RUN/temporal/temporal.db" --namespace "$TEMPORAL_NAMESPACE" --log-level warn
  wait_for "Temporal dev server" 90 "$TEMPORAL_CLI" operator cluster health --address "127.0.0.1:$TEMPORAL_PORT"
}

start_temporal() {
  TEMPORAL_NAMESPACE=${TEMPORAL_NAMESPACE:-default}
  # The pinned CLI, for operators (docs/runbook.md) as well as the dev server.
  TEMPORAL_CLI=$(temporal_bin)
  if [[ -n "$EXT_TEMPORAL_ADDRESS" ]]; then TEMPORAL_ADDRESS=$EXT_TEMPORAL_ADDRESS; log "Temporal: using TEMPORAL_ADDRESS"; return; fi
  if ! alive temporal; then
    alloc_port TEMPORAL_PORT; alloc_port TEMPORAL_HTTP_PORT; alloc_port TEMPORAL_METRICS_PORT; alloc_port TEMPORAL_UI_PORT
    [[ "$HEADLESS" == 1 ]] && TEMPORAL_UI_PORT=""
    launch_temporal
  fi
  TEMPORAL_ADDRESS="127.0.0.1:$TEMPORAL_PORT"
  TEMPORAL_UI_URL=""
  [[ -n "${TEMPORAL_UI_PORT:-}" ]] && TEMPORAL_UI_URL="http://127.0.0.1:$TEMPORAL_UI_PORT"
  log "Temporal: $TEMPORAL_ADDRESS${TEMPORAL_UI_URL:+ (UI $TEMPORAL_UI_URL)}"
}

# ---- Binaries and services ---------------------------------------------------------------

build() {
  log "building binaries into $RUN/bin"
  "$ROOT/scripts/binaries.sh" build "$RUN/bin" || die "build failed"
}

register_search_attributes() {
  TEMPORAL_ADDRESS=$TEMPORAL_ADDRESS TEMPORAL_NAMESPACE=$TEMPORAL_NAMESPACE PAYLOAD_KEYS_FILE=$PAYLOAD_KEYS_FILE \
    "$RUN/bin/workflow-worker" register-search-attributes >>"$RUN/logs/register-search-attributes.log" 2>&1 \
    || die "registering search attributes failed: see $RUN/logs/register-search-attributes.log"
}

# schedule_claim_windows: one Temporal Schedule per open or future claim window of each plan
# (claims owns the windows).
schedule_claim_windows() {
  svc_env
  "${SVC_ENV[@]}" "$RUN/bin/claims" schedule-claim-windows >>"$RUN/logs/schedule-claim-windows.log" 2>&1 \
    || die "scheduling the claim windows failed: see $RUN/logs/schedule-claim-windows.log"
}

# schedule_forecasts: each running plan's monthly results forecast, the first at once
# (tracking owns the forecasts).
schedule_forecasts() {
  svc_env
  "${SVC_ENV[@]}" "$RUN/bin/tracking" schedule-forecasts >>"$RUN/logs/schedule-forecasts.log" 2>&1 \
    || die "scheduling the forecasts failed: see $RUN/logs/schedule-forecasts.log"
}

# svc_env: the `env` command line that gives a service the stack's settings.
svc_env() {
  # DATABASE_URL (the stack's own, the owner) migrates; the services run as the application's
  # role (APP_DATABASE_URL; a DATABASE_URL given from outside is both).
  SVC_ENV=(env DATABASE_URL="${APP_DATABASE_URL:-$DATABASE_URL}" MIGRATION_DATABASE_URL="$DATABASE_URL" REDIS_URL="$REDIS_URL" TEMPORAL_ADDRESS="$TEMPORAL_ADDRESS"
    TEMPORAL_NAMESPACE="$TEMPORAL_NAMESPACE" PAYLOAD_KEYS_FILE="$PAYLOAD_KEYS_FILE" FIELD_KEYS_FILE="$FIELD_KEYS_FILE" LOG_LEVEL="${LOG_LEVEL:-info}"
    OIDC_ISSUER="$OIDC_ISSUER" OIDC_AUDIENCE="$OIDC_AUDIENCE" OIDC_JWKS_URL="$OIDC_JWKS_URL")
  # The development issuer (a JWKS on disk) is accepted only with this flag.
  [[ "$OIDC_JWKS_URL" != https://* ]] && SVC_ENV+=(FAMILYPATH_DEVELOPMENT=true)
  # Plan files beside the shipped ones: the demo plan, and the caller's (the tests add a seconds-scale plan).
  SVC_ENV+=(FAMILYPATH_PLANS_DIR="$FAMILYPATH_PLANS_DIR")
  # The workers' own service tokens: the development issuer's, or your identity provider's client.
  if [[ -f "$RUN/oidc/signing-key.pem" && "$OIDC_ISSUER" == "https://familypath.invalid/dev-issuer" ]]; then
    SVC_ENV+=(DEV_ISSUER_DIR="$RUN/oidc")
  fi
  local v
  for v in SERVICE_TOKEN_URL SERVICE_CLIENT_ID SERVICE_CLIENT_SECRET SERVICE_CLIENT_SECRET_FILE SERVICE_TOKEN_SCOPE; do
    [[ -n "${!v:-}" ]] && SVC_ENV+=("$v=${!v}")
  done
  return 0
}

stop_one() {
  local name=$1 f pid i
  f=$(pidfile "$name")
  if alive "$name"; then
    pid=$(head -n1 "$f")
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
  fi
  rm -f "$f" "$f.match"
}

# launch_service SVC PORT: the service's API on PORT and its worker (svc_env first).
launch_service() {
  local s=$1 port=$2 mport
  alloc_port mport
  launch "$s-serve" "$RUN/bin/$s serve" "${SVC_ENV[@]}" CASE_URL="$CASE_URL" HTTP_ADDR="127.0.0.1:$port" METRICS_ADDR="127.0.0.1:$mport" "$RUN/bin/$s" serve
  health_url "$s-serve" "127.0.0.1:$mport"
  alloc_port mport
  launch "$s-worker" "$RUN/bin/$s worker" "${SVC_ENV[@]}" IDENTIFICATION_URL="$IDENTIFICATION_URL" CASE_URL="$CASE_URL" METRICS_ADDR="127.0.0.1:$mport" "$RUN/bin/$s" worker
  health_url "$s-worker" "127.0.0.1:$mport"
}

launch_workflow_worker() {
  local mport
  stop_one workflow-worker
  alloc_port mport
  launch workflow-worker "$RUN/bin/workflow-worker worker" "${SVC_ENV[@]}" METRICS_ADDR="127.0.0.1:$mport" "$RUN/bin/workflow-worker" worker
  health_url workflow-worker "127.0.0.1:$mport"
}

# launch_codec_server PORT: the codec server on PORT; it decodes payloads for administrators
# (the Temporal UI, and the runbook's CLI through TEMPORAL_CODEC_ENDPOINT).
launch_codec_server() {
  local mport
  stop_one codec-server
  alloc_port mport
  launch codec-server "$RUN/bin/workflow-worker codec-server" "${SVC_ENV[@]}" CODEC_ADDR="127.0.0.1:$1" METRICS_ADDR="127.0.0.1:$mport" \
    CODEC_CORS_ORIGINS="${TEMPORAL_UI_URL:-}" "$RUN/bin/workflow-worker" codec-server
  health_url codec-server "127.0.0.1:$mport"
  CODEC_URL="http://127.0.0.1:$1"
}

# restart_service SVC: rebuild, then restart one service (its migrations, API and worker, the
# API on the port the others already call), the workflow worker or the codec server (on its
# port), leaving the rest running.
restart_service() {
  local s=$1 url
  [[ -f "$STATE" && -n "${CASE_URL:-}" ]] || die "no stack with services is running in $RUN: make up first"
  [[ "$s" == workflow-worker || "$s" == codec-server || " ${SERVICES[*]} " == *" $s "* ]] \
    || die "unknown service '$s' (want SVC= one of ${SERVICES[*]} workflow-worker codec-server)"
  [[ "${NO_BUILD:-0}" == 1 ]] || build # bounce restarts what is built
  svc_env
  if [[ "$s" == codec-server ]]; then
    launch_codec_server "${CODEC_URL##*:}"
    wait_for "codec server" 30 curl -fsS "$CODEC_SERVER_HEALTH_URL/readyz"
    save_state
    log "codec-server restarted: $CODEC_URL (logs: $RUN/logs/codec-server.log)"
    return
  fi
  if [[ "$s" == workflow-worker ]]; then
    launch_workflow_worker
    save_state
    log "workflow-worker restarted (logs: $RUN/logs/workflow-worker.log)"
    return
  fi
  "${SVC_ENV[@]}" "$RUN/bin/$s" migrate >>"$RUN/logs/$s-migrate.log" 2>&1 || die "$s migrate failed: see $RUN/logs/$s-migrate.log"
  url="${s^^}_URL"
  stop_one "$s-serve"; stop_one "$s-worker"
  launch_service "$s" "${!url##*:}"
  wait_for "$s API" 30 curl -fsS "${!url}/readyz"
  save_state # its worker's health port is new
  log "$s restarted: API ${!url} (logs: $RUN/logs/$s-serve.log, $s-worker.log)"
}

start_services() {
  local s port
  svc_env
  for s in "${SERVICES[@]}" workflow-worker; do # workflow-worker: the codec server's audit trail
    "${SVC_ENV[@]}" "$RUN/bin/$s" migrate >>"$RUN/logs/$s-migrate.log" 2>&1 || die "$s migrate failed: see $RUN/logs/$s-migrate.log"
  done
  # Every API's port first: the others ask the case API "may this user see family X?".
  declare -A api_port
  for s in "${SERVICES[@]}" ; do
    stop_one "$s-serve"; stop_one "$s-worker"
    alloc_port port; api_port[$s]=$port
    printf -v "${s^^}_URL" '%s' "http://127.0.0.1:$port"
  done
  for s in "${SERVICES[@]}" ; do
    launch_service "$s" "${api_port[$s]}"
  done
  launch_workflow_worker
  alloc_port port; launch_codec_server "$port"
  for s in "${SERVICES[@]}"; do
    local url="${s^^}_URL"
    wait_for "$s API" 30 curl -fsS "${!url}/readyz"
  done
}

load_demo_data() {
  # A handful of synthetic families (everyone in them made up), each sent as an analyst's
  # matching would send it: members and evidence rows, under the demo plan (plans/demo), whose
  # programme runs today, so that they can be allocated and attached. Fixed Idempotency-Keys
  # make this a no-op the second time (the service derives the family id from the key).
  local i token members='"members":[{"id":"demo-p-1","birth_date":"1984-05-02"},{"id":"demo-p-2","birth_date":"2015-09-14"}]'
  # The extracts they came from were taken on 2026-10-01: the absence of later events is known
  # only up to then (docs/outcomes.md, evidence gaps).
  local coverage='"coverage":{"not_on_roll":"2026-10-01","dwp_benefits":"2026-10-01","police":"2026-10-01","health":"2026-10-01","social_care":"2026-10-01"}'
  local facts=(
    '{"id":"not_on_roll:1","person":"demo-p-2","feed":"not_on_roll","type":"NOT_ON_ROLL","date":"2026-06-01"},{"id":"dwp_benefits:1","person":"demo-p-1","feed":"dwp_benefits","type":"JSA","start":"2026-02-01"}'
    '{"id":"police:1","person":"demo-p-2","feed":"police","type":"ASB_INTERVENTION","date":"2026-07-01"},{"id":"police:2","person":"demo-p-1","feed":"police","type":"DVA_INCIDENT","date":"2026-08-01"},{"id":"health:1","person":"demo-p-1","feed":"health","type":"ADULT_MENTAL_HEALTH","date":"2026-05-01"}'
    '{"id":"social_care:1","person":"demo-p-2","feed":"social_care","type":"CP_PLAN","start":"2026-03-01"},{"id":"not_on_roll:1","person":"demo-p-2","feed":"not_on_roll","type":"NOT_ON_ROLL","date":"2026-06-01"}'
  )
  token=$(dev_token data_analyst demo.loader) || { log "demo data: skipped (the APIs take tokens from your OIDC issuer, not the development one)"; return; }
  for i in 0 1 2; do
    curl -fsS -o /dev/null -X POST "$IDENTIFICATION_URL/v1/candidate-families" -H "Authorization: Bearer $token" \
      -H 'Content-Type: application/json' -H "Idempotency-Key: demo-plan-family-$i" \
      -d "{\"plan_id\":\"familypath-demo\",\"reference_date\":\"2026-10-01\",$members,\"facts\":[${facts[$i]}],$coverage}" \
      || die "loading demo data failed: see $RUN/logs/identification-serve.log"
  done
  log "demo data: 3 candidate families recorded and their workflows started"
  # A small synthetic county (everyone in it made up), its extracts taken on 2026-10-01 and
  # judged under the demo plan, loaded as an analyst would. The same seed and date write the
  # same files, so the second `make up` finds them loaded and skips them.
  local county="$RUN/demo-county-2026"
  svc_env
  "${SVC_ENV[@]}" "$RUN/bin/identification" county --out "$county" --households 300 --seed 2016 --plan familypath-demo --reference 2026-10-01 \
    >>"$RUN/logs/demo-data.log" 2>&1 || die "writing the demo county failed: see $RUN/logs/demo-data.log"
  local loaded="$RUN/logs/demo-ingest.out"
  "${SVC_ENV[@]}" "$RUN/bin/identification" ingest --as-of 2026-10-01 --loaded-by demo "$county"/*.csv >"$loaded" 2>&1 \
    || { cat "$loaded" >>"$RUN/logs/demo-data.log"; die "loading the demo county failed: see $RUN/logs/demo-data.log"; }
  cat "$loaded" >>"$RUN/logs/demo-data.log"
  log "demo data: a synthetic county of 300 households loaded ($county; uploads at $IDENTIFICATION_URL/v1/uploads)"
  # A council's programme of the Lancashire plan's years (2015-2020) brought in (everyone in it
  # made up): a synthetic county's eligible families at every phase, imported as the data team
  # would, so the reports and the dashboard show a programme's records. The same seed writes
  # the same file, which is imported once.
  local import="$RUN/demo-import.csv"
  "$RUN/bin/case" synthetic-import --out "$import" --households 2000 --seed 2016 --prefix DEMO >>"$RUN/logs/demo-data.log" 2>&1 \
    || die "writing the demo import failed: see $RUN/logs/demo-data.log"
  curl -fsS -o /dev/null -X POST "$CASE_URL/v1/imports" -H "Authorization: Bearer $token" -H 'Content-Type: text/csv' --data-binary "@$import" \
    || die "importing the demo programme failed: see $RUN/logs/case-serve.log"
  log "demo data: a running programme of $(cut -d, -f2 "$import" | sed 1d | sort -u | wc -l) families imported ($CASE_URL/v1/imports; workflow import/<id> in the UI)"
  # An identification run over exactly the demo county's uploads (the same files are the same
  # uploads every time), keyed by them: whatever else a user has uploaded since, a second
  # `make up` finds the same run rather than asking for a different one under the same key.
  local ids
  ids=$(sed -n 's/.* as upload \([0-9a-f-]\{36\}\).*/\1/p' "$loaded" | sort -u)
  [[ -n "$ids" ]] || die "loading the demo county named no uploads: see $RUN/logs/demo-data.log"
  local key="demo-run-$(printf '%s' "$ids" | sha256sum | cut -c1-24)"
  local list; list=$(printf '"%s",' $ids); list="[${list%,}]"
  curl -fsS -o /dev/null -X POST "$IDENTIFICATION_URL/v1/identification-runs" -H "Authorization: Bearer $token" \
    -H 'Content-Type: application/json' -H "Idempotency-Key: $key" \
    -d '{"plan_id":"familypath-demo","reference_date":"2026-10-01","upload_ids":'"$list"'}' \
    || die "starting the demo identification run failed: see $RUN/logs/identification-serve.log"
  log "demo data: an identification run over the county under the demo plan started ($IDENTIFICATION_URL/v1/identification-runs; workflow identification-run/<id> in the UI)"
}

print_urls() {
  cat <<MSG

familypath is up. APIs (each also serves /openapi.yaml, /healthz, /readyz):
$(for s in "${SERVICES[@]}"; do v="${s^^}_URL"; printf '  %-15s %s\n' "$s" "${!v}"; done)
  Temporal UI     ${TEMPORAL_UI_URL:-(headless)} (payloads are encrypted: see docs/runbook.md to decode)
  Codec server    ${CODEC_URL} (administrators: make token ROLE=administrator)
  Temporal        ${TEMPORAL_ADDRESS} (namespace ${TEMPORAL_NAMESPACE})
  Postgres        ${DATABASE_URL}
  Redis           ${REDIS_URL}
Logs: $RUN/logs/   Environment: source $STATE   Stop: make down
MSG
}

# alloc_port VAR: sets VAR to a free loopback port not yet handed out in this run.
alloc_port() { local p; p=$(free_port_excluding "${_ports:-}"); _ports="${_ports:-} $p "; printf -v "$1" '%s' "$p"; }
port_open() { ! port_free "$1"; }

# ensure_key_ring VAR FILE WHAT: the key ring named by VAR (a file). Yours when VAR is given;
# otherwise a development ring made once per stack folder and kept with the data it opens
# (Temporal's histories, Postgres's sealed columns). Never for production.
ensure_key_ring() {
  local var=$1 file=$2 what=$3
  if [[ -z "${!var:-}" ]]; then
    printf -v "$var" '%s' "$RUN/$file"
    if [[ ! -s "$RUN/$file" ]]; then
      (umask 077; printf 'dev-%s:%s\n' "$(date -u +%Y%m%d)" "$(head -c 32 /dev/urandom | base64 -w0)" >"$RUN/$file")
      log "$what: a development key ring in $RUN/$file"
    fi
  fi
  [[ -r "${!var}" ]] || die "$var ${!var} cannot be read"
  export "${var?}"
}

# ensure_oidc: which access tokens the APIs and the codec server accept. Yours when
# OIDC_ISSUER, OIDC_AUDIENCE and OIDC_JWKS_URL are given; otherwise the development issuer
# (a signing key in $RUN/oidc), whose tokens `make token ROLE=...` mints.
ensure_oidc() {
  if [[ -z "${OIDC_ISSUER:-}" ]]; then
    local line settings
    settings=$("$(devtoken_bin)" init -dir "$RUN/oidc") || die "making the development OIDC issuer failed"
    while IFS= read -r line; do export "${line?}"; done <<<"$settings"
  fi
}

# devtoken_bin: the development issuer's command, built once per stack folder.
devtoken_bin() {
  [[ -x "$RUN/bin/devtoken" ]] || (cd "$ROOT" && go build -o "$RUN/bin/devtoken" ./pkg/platform/auth/cmd/devtoken) >&2 \
    || die "building devtoken failed"
  printf '%s\n' "$RUN/bin/devtoken"
}

# dev_token ROLE SUBJECT: a token from the development issuer (fails when the stack uses another issuer).
dev_token() {
  [[ -f "$RUN/oidc/signing-key.pem" && "$OIDC_ISSUER" == "https://familypath.invalid/dev-issuer" ]] || return 1
  "$(devtoken_bin)" mint -dir "$RUN/oidc" -role "$1" -sub "$2"
}

# bounce NAME: a fault, as `make chaos` injects them: NAME killed without warning (SIGKILL;
# Postgres stopped in immediate mode, as a crash) and started again where it was (same port,
# same data). NAME: postgres, redis, temporal, workflow-worker, codec-server, or a service's
# <service>-serve or <service>-worker (the service's API and worker start again together).
bounce() {
  local name=$1 pid home bin
  [[ -f "$STATE" ]] || die "no stack is running in $RUN"
  case "$name" in
    postgres)
      home=$(cat "$RUN/pids/postgres.home"); bin=$(pg_bindir)
      as_pg "$bin/pg_ctl" -D "$home/data" -m immediate -w stop >/dev/null || true
      pg_start "$bin" "$home" ;;
    redis|temporal)
      pid=$(head -n1 "$(pidfile "$name")"); kill -9 "$pid" 2>/dev/null || true
      while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
      if [[ "$name" == redis ]]; then launch_redis; else TEMPORAL_CLI=$(temporal_bin); launch_temporal; fi ;;
    *)
      alive "$name" || die "$name is not running in $RUN"
      pid=$(head -n1 "$(pidfile "$name")"); kill -9 "$pid" 2>/dev/null || true
      while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
      local svc=${name%-serve}; svc=${svc%-worker}
      [[ "$name" == workflow-worker ]] && svc=workflow-worker
      NO_BUILD=1 restart_service "$svc" >/dev/null ;;
  esac
  log "bounced $name"
}

deps_up() {
  start_postgres
  start_redis
  start_temporal
  ensure_key_ring PAYLOAD_KEYS_FILE payload-keys "payload keys (Temporal)"
  ensure_key_ring FIELD_KEYS_FILE field-keys "field keys (personal data in Postgres)"
  ensure_oidc
  save_state
}

down() {
  local f name
  for f in "$RUN"/pids/*.pid; do
    [[ -e "$f" ]] || continue
    name=$(basename "$f" .pid)
    stop_one "$name"
    log "stopped $name"
  done
  stop_postgres
  rm -f "$STATE"
}

case "$cmd" in
  up)
    command -v curl >/dev/null || apt_install curl
    deps_up
    build
    register_search_attributes
    schedule_claim_windows
    start_services
    save_state
    load_demo_data
    schedule_forecasts
    print_urls
    ;;
  demo-data) load_demo_data ;;
  demo)
    # `make demo`: families taken through the demo plan to a paid result on the running stack.
    [[ -f "$STATE" ]] || die "no stack is running in $RUN: make up first"
    (cd "$ROOT" && go build -o "$RUN/bin/demo" ./e2e/cmd/demo) || die "building the demo failed"
    "$RUN/bin/demo" ;;
  deps) deps_up ;;
  services)
    build; register_search_attributes; schedule_claim_windows; start_services; save_state; schedule_forecasts ;;
  restart) restart_service "${SVC:-}" ;;
  bounce) bounce "${3:?bounce needs a NAME}" ;;
  down) down ;;
  env) [[ -f "$STATE" ]] && cat "$STATE" || die "no stack is running in $RUN" ;;
  *) die "unknown command $cmd (want up, deps, services, demo-data, demo, restart, bounce, down or env)" ;;
esac
