# Sourced by the shell scripts that load a real server (today the fuzz, test/security/schemathesis.sh): starts the
# built `keystream start` on a fresh data directory and a free loopback port, waits until it is
# ready, and stops it and removes the directory when the script exits. Sets `data`, `port`,
# `server`, `base` and `token` (the bootstrap administrator's). Needs a built tree.
data="$(mktemp -d)"
port="$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")"
export KEYSTREAM_DATA_DIR="$data" KEYSTREAM_HTTP_HOST=127.0.0.1 KEYSTREAM_HTTP_PORT="$port" KEYSTREAM_GRPC_PORT=0 KEYSTREAM_LOG_LEVEL=warn
node services/keystream/dist/cli.js start > "$data/server.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$data"' EXIT
for _ in $(seq 1 150); do
  curl -fsS "http://127.0.0.1:$port/readyz" > /dev/null 2>&1 && break
  sleep 0.2
done
base="http://127.0.0.1:$port"
token="$(node services/keystream/dist/cli.js token --user admin@keystream.local)"
