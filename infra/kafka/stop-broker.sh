#!/usr/bin/env bash
# Stops a broker started by start-broker.sh and removes its state directory (a temp dir it made).
#   infra/kafka/stop-broker.sh "$KEYSTREAM_TEST_KAFKA_DIR"
set -uo pipefail
dir="${1:-${KEYSTREAM_TEST_KAFKA_DIR:-}}"
[ -n "$dir" ] && [ -f "$dir/broker.pid" ] || { echo "[kafka] no broker.pid in '${dir}'; nothing to stop" >&2; exit 0; }
pid=$(cat "$dir/broker.pid")
if kill "$pid" 2>/dev/null; then
  # SIGTERM makes Kafka shut down cleanly; give it a while, then insist.
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
fi
rm -rf "$dir"
echo "[kafka] stopped broker pid $pid" >&2
