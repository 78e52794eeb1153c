#!/usr/bin/env bash
# Runs one fan-out measurement: a fresh release server on 127.0.0.1 (temporary database) and
# `tirek loadgen` against it, on the same machine. Prints loadgen's JSON line and table.
#
#   swift build -c release --product tirek
#   Benchmarks/run-loadgen.sh SUBSCRIBERS [DURATION_S] [more loadgen options, e.g. --slow 10 --flapping 10]
#
# Environment: TIREK_BIN (default .build/release/tirek), PORT (default 18950).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${TIREK_BIN:-.build/release/tirek}
N=${1:-1000}
D=${2:-20}
shift $(( $# < 2 ? $# : 2 ))
PORT=${PORT:-18950}
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
dir=$(mktemp -d)
"$BIN" serve --port "$PORT" --db "$dir/tirek.sqlite" --admin-key bench --log-level error > "$dir/server.log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 100); do
  curl -sf "http://127.0.0.1:$PORT/healthz" > /dev/null && break
  sleep 0.1
done
"$BIN" loadgen --port "$PORT" --admin-key bench --subscribers "$N" --duration "$D" --server-pid "$pid" "$@"
