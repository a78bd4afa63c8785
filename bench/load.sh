#!/usr/bin/env bash
# Load benchmark of `bouncewhy serve` (not a test): builds the release binary, starts the
# server on loopback, runs wrk against POST /api/v1/explain and POST /api/v1/decode, and
# prints requests/s and latency percentiles for each. Stops the server when done.
#
# Knobs: DURATION (default 15s), CONNECTIONS (32), THREADS (2), PORT (18080).
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-15s}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
PORT=${PORT:-18080}
ADDR="127.0.0.1:${PORT}"

if ! command -v wrk >/dev/null 2>&1; then
  echo "== installing wrk"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq wrk >/dev/null
fi

echo "== building the release binary"
cargo build --release --quiet -p bouncewhy-cli --bin bouncewhy

work=$(mktemp -d)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid"
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

echo "== starting bouncewhy serve on ${ADDR}"
RUST_LOG=warn ./target/release/bouncewhy serve --listen "$ADDR" --concurrency 256 \
  2>"$work/server.log" &
server_pid=$!
for _ in $(seq 1 100); do
  if (exec 3<>"/dev/tcp/127.0.0.1/${PORT}") 2>/dev/null; then break; fi
  sleep 0.1
done

# One Lua script per endpoint: the method, the body, the content type, and a summary line.
write_script() { # name path content-type body-file
  cat >"$work/$1.lua" <<LUA
local file = assert(io.open("$4", "rb"))
wrk.method = "POST"
wrk.path = "$2"
wrk.body = file:read("*a")
file:close()
wrk.headers["Content-Type"] = "$3"
done = function(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    "RESULT %-8s requests/s=%.0f p50=%.2fms p99=%.2fms max=%.2fms requests=%d non2xx_or_errors=%d\n",
    "$1", summary.requests / seconds, latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000, summary.requests,
    e.status + e.connect + e.read + e.write + e.timeout))
end
LUA
}

printf '%s' '550 5.7.1 Service unavailable; Client host [192.0.2.25] blocked using zen.spamhaus.org' \
  >"$work/explain.txt"
write_script explain /api/v1/explain text/plain "$work/explain.txt"
write_script decode /api/v1/decode message/rfc822 \
  "$PWD/crates/bouncewhy-server/tests/fixtures/two-recipients.eml"

for endpoint in explain decode; do
  echo "== wrk ${endpoint}: ${DURATION}, ${CONNECTIONS} connections, ${THREADS} threads"
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s "$work/${endpoint}.lua" \
    "http://${ADDR}" | tee "$work/${endpoint}.out" | grep -E 'RESULT|Latency|Requests/sec'
done
echo "== server errors logged: $(grep -c -E 'ERROR|WARN' "$work/server.log" || true)"
