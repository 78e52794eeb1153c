#!/bin/sh
# Starts a throwaway Tirek server on 127.0.0.1 (SQLite in a temp folder, ended lessons unloaded
# every 2 s) and runs `tirek soak` against it; the server is stopped and its folder removed at
# the end, pass or fail. Arguments go to `tirek soak` (see `tirek soak --help`), e.g.
#   scripts/soak.sh --students 1000 --lessons 3 --lesson-seconds 40     (the test command's short mode)
#   scripts/soak.sh --students 500 --lessons 10 --lesson-seconds 60     (10 minutes)
# TIREK_BIN picks the binary (default: the debug build; a release build: .build/release/tirek).
set -e
cd "$(dirname "$0")/.."
bin=${TIREK_BIN:-.build/debug/tirek}
[ -x "$bin" ] || swift build --product tirek
dir=$(mktemp -d /tmp/tirek-soak.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
key=soak-$(date +%s)
"$bin" serve --host 127.0.0.1 --port "$port" --db "$dir/tirek.sqlite" --admin-key "$key" \
    --room-sweep 2 --log-level warning >"$dir/server.log" 2>&1 &
pid=$!
# SIGTERM must stop the server within 15 s (graceful shutdown); otherwise it is killed and the run fails.
stop_server() {
    kill "$pid" 2>/dev/null || return 0
    for _ in $(seq 150); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
    echo "soak: the server did not stop within 15 s of SIGTERM; killed"
    kill -9 "$pid" 2>/dev/null
    return 1
}
cleanup() {
    stop_server || true
    rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
for _ in $(seq 100); do
    curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
    sleep 0.1
done
status=0
"$bin" soak --port "$port" --admin-key "$key" --server-pid "$pid" --room-sweep 2 "$@" || status=$?
stop_server || status=4
if [ "$status" -ne 0 ]; then
    echo "soak: server log (last 40 lines):"
    tail -40 "$dir/server.log"
fi
exit "$status"
