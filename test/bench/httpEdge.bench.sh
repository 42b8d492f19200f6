#!/usr/bin/env bash
# Throughput of the public HTTP listener of a real `keystream start`, measured with wrk (printed,
# not asserted): an authenticated Get (bearer token verified, authorization decided, project read
# from the read model) and /healthz (the listener and router alone).
#
#   test/bench/httpEdge.bench.sh [seconds per run (default 10)] [connections (default 32)]
#
# Needs a built tree (npm run build) and wrk (Debian: apt-get install wrk). Client and server
# share the machine: compare figures of one machine, taken back to back, as ratios.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds="${1:-10}"
connections="${2:-32}"
if ! command -v wrk > /dev/null; then
  echo "wrk is not installed (Debian: apt-get install wrk)" >&2
  exit 1
fi
# shellcheck source=../support/startKeystream.sh
source test/support/startKeystream.sh
curl -sS --fail-with-body -o /dev/null -X POST "$base/v1/projects" -H "Authorization: Bearer $token" -H 'content-type: application/json' -d '{"name": "projects/bench", "title": "bench", "multiRegionPolicy": {"defaultControlRegion": "eu1"}}'
# The project must be readable before the runs start.
for _ in $(seq 1 100); do
  curl -fsS -o /dev/null -H "Authorization: Bearer $token" "$base/v1/projects/bench" 2>/dev/null && break
  sleep 0.1
done
run() {
  local label="$1"; shift
  wrk -t1 -c"$connections" -d2s "$@" > /dev/null # warm-up
  local out
  out="$(wrk -t1 -c"$connections" -d"${seconds}s" --latency "$@")"
  printf '%-44s %10s req/s   p50 %8s   p99 %8s   non-2xx %s\n' "$label" \
    "$(awk '/^Requests\/sec/ {print $2}' <<< "$out")" \
    "$(awk '$1 == "50%" {print $2}' <<< "$out")" \
    "$(awk '$1 == "99%" {print $2}' <<< "$out")" \
    "$(awk '/Non-2xx/ {print $5}' <<< "$out" | grep . || echo 0)"
}
echo "keystream HTTP edge benchmark — $(nproc) cores, node $(node -v), wrk 1 thread, $connections connections, ${seconds} s per run"
run "GET /v1/projects/bench (bearer token)" -H "Authorization: Bearer $token" "$base/v1/projects/bench"
run "GET /healthz" "$base/healthz"
