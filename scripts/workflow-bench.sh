#!/usr/bin/env bash
# `make bench-workflows`: the workflow worker under load (workflows/internal/bench). Starts its
# own in-memory Temporal dev server (the pinned CLI) on free loopback ports, then runs, on that
# one server: N empty workflows each taking one signal (the server's ceiling here), N family
# workflows with the SDK's default 2 workflow-task pollers, and N with the worker's tuned
# pollers. Figures go in docs/workflows.md.
#   scripts/workflow-bench.sh [N]      (default 10000)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
n=${1:-10000}
tuned=${WORKFLOW_TASK_POLLERS:-16}
temporal=$(temporal_bin)
port=$(free_port_excluding ""); http=$(free_port_excluding "$port"); metrics=$(free_port_excluding "$port $http")
"$temporal" server start-dev --ip 127.0.0.1 --port "$port" --http-port "$http" --metrics-port "$metrics" --headless --log-level error >/dev/null 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null' EXIT
wait_for "Temporal dev server" 60 "$temporal" operator cluster health --address "127.0.0.1:$port"
go build -o "${TMPDIR:-/tmp}/familypath-wbench" ./workflows/internal/bench
export TEMPORAL_ADDRESS="127.0.0.1:$port" PAYLOAD_KEYS="bench:$(head -c 32 /dev/urandom | base64 -w0)"
for args in "-kind empty -pollers $tuned" "-kind family -pollers 2" "-kind family -pollers $tuned"; do
  # shellcheck disable=SC2086
  "${TMPDIR:-/tmp}/familypath-wbench" -n "$n" $args
done
