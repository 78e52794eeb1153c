#!/usr/bin/env bash
# The peer comparison: the same fan-out scenario against Tirek and against nginx + nchan, with the
# same load generator (`tirek loadgen`, `--target tirek` / `--target nchan`), for a series of N.
#
#   swift build -c release --product tirek
#   Benchmarks/compare-nchan.sh [DURATION_S] [N ...]        # defaults: 6 s; N = 100 250 500
#
# Scenario (both servers): one WebSocket publisher sending the pre-encoded loops of `tirek loadgen`
# — VP8 640×360 1000 kbit/s, 30 chunks/s of ~4.2 KB, and Opus 32 kbit/s, 50 chunks/s of ~80 B —
# each in Tirek's 16-byte envelope whose timestamp is the wall-clock send time; N reading
# subscribers; 2 s warm-up, then DURATION_S measured. Delivered/expected and latency p50/p99 come
# from the same code for both. nginx runs throwaway, on 127.0.0.1 with its own prefix, config and
# logs in a temporary directory (never the system nginx), with 2 worker processes for the 2 cores
# (Tirek's NIO also runs one event loop per core), and is stopped at the end.
#
# Environment: TIREK_BIN (default .build/release/tirek), PORT (Tirek, default 18950),
# NCHAN_PORT (default 18960), WARMUP (default 2), OUT (also write the JSON lines there).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${TIREK_BIN:-.build/release/tirek}
D=${1:-6}
shift $(( $# < 1 ? $# : 1 ))
SIZES=("$@")
[ ${#SIZES[@]} -gt 0 ] || SIZES=(100 250 500)
PORT=${PORT:-18950}
NCHAN_PORT=${NCHAN_PORT:-18960}
WARMUP=${WARMUP:-2}
NCHAN_MODULE=/usr/lib/nginx/modules/ngx_nchan_module.so

[ -x "$BIN" ] || { echo "no $BIN: run swift build -c release --product tirek first" >&2; exit 1; }
if [ ! -f "$NCHAN_MODULE" ] || ! command -v nginx > /dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light libnginx-mod-nchan > /dev/null
fi
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

dir=$(mktemp -d)
tirek_pid=""
nginx_pid=""
cleanup() {
  [ -n "$tirek_pid" ] && kill "$tirek_pid" 2>/dev/null && wait "$tirek_pid" 2>/dev/null
  [ -n "$nginx_pid" ] && kill -QUIT "$nginx_pid" 2>/dev/null && wait "$nginx_pid" 2>/dev/null
  rm -rf "$dir"
}
trap cleanup EXIT

# --- nginx + nchan, throwaway --------------------------------------------------------------
mkdir -p "$dir/nginx/tmp" "$dir/nginx/logs"
cat > "$dir/nginx/nginx.conf" <<CONF
load_module $NCHAN_MODULE;
worker_processes 2;
worker_rlimit_nofile 20000;
pid $dir/nginx/nginx.pid;
error_log $dir/nginx/logs/error.log warn;
events { worker_connections 16384; }
http {
  access_log off;
  client_body_temp_path $dir/nginx/tmp/body;
  proxy_temp_path $dir/nginx/tmp/proxy;
  fastcgi_temp_path $dir/nginx/tmp/fastcgi;
  uwsgi_temp_path $dir/nginx/tmp/uwsgi;
  scgi_temp_path $dir/nginx/tmp/scgi;
  nchan_shared_memory_size 256m;
  server {
    listen 127.0.0.1:$NCHAN_PORT;
    client_max_body_size 4m;
    # The publisher: one WebSocket, each binary message published to the channel as is.
    location ~ ^/pub/(\w+)\$ {
      nchan_publisher websocket;
      nchan_channel_id \$1;
      nchan_message_buffer_length 32;
      nchan_message_timeout 10s;
    }
    # Subscribers: WebSocket only, from the newest message on.
    location ~ ^/sub/(\w+)\$ {
      nchan_subscriber websocket;
      nchan_channel_id \$1;
    }
  }
}
CONF
nginx -p "$dir/nginx" -c "$dir/nginx/nginx.conf" -e "$dir/nginx/logs/error.log" -g 'daemon off;' &
nginx_pid=$!

# --- Tirek, fresh release server on a temporary database ------------------------------------
"$BIN" serve --port "$PORT" --db "$dir/tirek.sqlite" --admin-key bench --log-level error > "$dir/server.log" 2>&1 &
tirek_pid=$!

for _ in $(seq 100); do
  curl -sf "http://127.0.0.1:$PORT/healthz" > /dev/null && break
  sleep 0.1
done
for _ in $(seq 100); do
  curl -s -o /dev/null "http://127.0.0.1:$NCHAN_PORT/pub/probe" && break
  sleep 0.1
done
kill -0 "$nginx_pid" || { echo "nginx did not start:" >&2; cat "$dir/nginx/logs/error.log" >&2; exit 1; }

field() { # field NAME JSONLINE
  printf '%s' "$2" | sed -n "s/.*\"$1\":\([^,}]*\).*/\1/p" | tr -d '"'
}
rows=()
for n in "${SIZES[@]}"; do
  for target in tirek nchan; do
    echo "== $target, $n subscribers, ${D} s" >&2
    if [ "$target" = tirek ]; then
      args=(--target tirek --port "$PORT" --admin-key bench --server-pid "$tirek_pid")
    else
      args=(--target nchan --nchan-url "ws://127.0.0.1:$NCHAN_PORT" --server-pid "$nginx_pid")
    fi
    out=$("$BIN" loadgen "${args[@]}" --subscribers "$n" --duration "$D" --warmup "$WARMUP" 2> "$dir/loadgen.err") || true
    json=$(printf '%s\n' "$out" | grep -m1 '^{' || true)
    if [ -z "$json" ]; then
      echo "loadgen printed no result for $target N=$n:" >&2
      tail -5 "$dir/loadgen.err" >&2
      json="{\"target\":\"$target\",\"subscribers\":$n}"
    fi
    printf '%s\n' "$out" >&2
    [ -n "${OUT:-}" ] && printf '%s %s\n' "$target" "$json" >> "$OUT"
    eval "${target}_json=\$json"
    sleep 2 # let the closed connections drain before the next run
  done
  rows+=("$n|$tirek_json|$nchan_json")
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b + 0 == 0) print "n/a"; else printf "%.2f", a / b }'; }
echo
echo "Fan-out, Tirek vs nginx+nchan: ${D} s measured after ${WARMUP} s warm-up, same load generator (tirek loadgen)"
echo "ratio = Tirek / nchan (delivery: higher is better; latency and CPU: lower is better)"
echo
printf '| N | delivered Tirek | delivered nchan | ratio | p50 ms Tirek | p50 ms nchan | ratio | p99 ms Tirek | p99 ms nchan | ratio | CPU %% Tirek | CPU %% nchan | ratio | RSS MB Tirek | RSS MB nchan |\n'
printf '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n'
for row in "${rows[@]}"; do
  IFS='|' read -r n tj nj <<< "$row"
  td=$(field delivery_ratio "$tj"); nd=$(field delivery_ratio "$nj")
  t50=$(field latency_p50_ms "$tj"); n50=$(field latency_p50_ms "$nj")
  t99=$(field latency_p99_ms "$tj"); n99=$(field latency_p99_ms "$nj")
  tc=$(field server_cpu_percent "$tj"); nc=$(field server_cpu_percent "$nj")
  tr=$(field server_rss_mb "$tj"); nr=$(field server_rss_mb "$nj")
  printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$n" \
    "${td:-n/a}" "${nd:-n/a}" "$(ratio "$td" "$nd")" "${t50:-n/a}" "${n50:-n/a}" "$(ratio "$t50" "$n50")" \
    "${t99:-n/a}" "${n99:-n/a}" "$(ratio "$t99" "$n99")" "${tc:-n/a}" "${nc:-n/a}" "$(ratio "$tc" "$nc")" "${tr:-n/a}" "${nr:-n/a}"
done

# The headline: for each server, the largest N of this run up to which every size met the target
# (loadgen's `meets_target`: >= 99.9 % delivered and p99 <= 100 ms), their ratio, and any larger
# size met after a miss (a server whose figures swing from run to run).
largest() { # largest tirek|nchan -> "HELD ALSO_MET..."
  local held=0 missed=0 also="" n tj nj json
  for row in "${rows[@]}"; do
    IFS='|' read -r n tj nj <<< "$row"
    if [ "$1" = tirek ]; then json=$tj; else json=$nj; fi
    if [ "$(field meets_target "$json")" = true ]; then
      if [ "$missed" = 0 ]; then held=$n; else also="$also $n"; fi
    else
      missed=1
    fi
  done
  echo "$held$also"
}
read -r lt talso <<< "$(largest tirek)"
read -r ln nalso <<< "$(largest nchan)"
echo
echo "largest N held at target (>= 99.9 % delivered, p99 <= 100 ms, and at every smaller N of this run):" \
  "Tirek $lt, nchan $ln, ratio $(ratio "$lt" "$ln")"
[ -n "${talso:-}" ] && echo "  Tirek also met it at $talso, after a miss"
[ -n "${nalso:-}" ] && echo "  nchan also met it at $nalso, after a miss"
true
