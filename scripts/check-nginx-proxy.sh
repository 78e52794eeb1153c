#!/usr/bin/env bash
# End-to-end check of Deploy/nginx/tirek.conf, on 127.0.0.1 only.
#
# 1. installs nginx, openssl and curl with apt if they are missing (needs root);
# 2. makes a throwaway self-signed certificate in a temp dir;
# 3. starts `tirek serve --demo` on a free port with a temp database;
# 4. renders Deploy/nginx/tirek.conf into a temp nginx config (TLS on 127.0.0.1:<free port>,
#    upstream = that tirek), runs `nginx -t`, starts nginx in the foreground, in the background;
# 5. checks, through nginx over TLS:
#    (a) GET /healthz answers {"status":"ok"...} (and HSTS is set);
#    (b) a wss:// WebSocket with a demo join link receives `welcome` first
#        (standard-library Python: ssl + socket, hand-written handshake and frames);
#    (c) a tampered token: a plain GET gets the server's HTTP 401 JSON (not an nginx page), and a
#        WebSocket upgrade gets an `error` message and close code 4401;
# 6. stops nginx and tirek by their recorded PIDs and removes the temp dir.
#
# Prints "<n> passed, <m> failed" last; exits non-zero on any failure. The whole run is bounded
# by `timeout` (CHECK_TIMEOUT seconds, default 600, most of it only for a slow apt).
# Environment: TIREK_BIN (default: <repo>/.build/debug/tirek), NGINX_CONF (default:
# <repo>/Deploy/nginx/tirek.conf; to try a variant), KEEP_TMP=1 to keep the temp dir.
set -euo pipefail

if [ -z "${TIREK_CHECK_UNDER_TIMEOUT:-}" ]; then
    export TIREK_CHECK_UNDER_TIMEOUT=1
    exec timeout --kill-after=20 "${CHECK_TIMEOUT:-600}" "$0" "$@"
fi

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
TIREK_BIN="${TIREK_BIN:-$(dirname "$0")/../.build/debug/tirek}"
CONF_SRC="${NGINX_CONF:-$ROOT/Deploy/nginx/tirek.conf}"
PASSED=0
FAILED=0
TOTAL=3
TMP=""
TIREK_PID=""
NGINX_PID=""
POLICY_RC_CREATED=""

log()  { printf '%s\n' "$*" >&2; }
pass() { PASSED=$((PASSED + 1)); printf 'PASS  %s\n' "$*"; }
fail() { FAILED=$((FAILED + 1)); printf 'FAIL  %s\n' "$*"; }

# Stop a process we started, by PID: polite signal, bounded wait, then SIGKILL.
stop_pid() {  # pid signal name
    local pid="$1" sig="$2" name="$3"
    [ -n "$pid" ] || return 0
    kill -0 "$pid" 2>/dev/null || return 0
    kill "-$sig" "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do
        kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
        sleep 0.1
    done
    log "$name (pid $pid) did not stop within 10 s of SIG$sig; killing it"
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

FINISHED=""
finish() {
    local rc=$?
    [ -n "$FINISHED" ] && return
    FINISHED=1
    trap - EXIT INT TERM
    stop_pid "$NGINX_PID" QUIT nginx
    stop_pid "$TIREK_PID" TERM tirek
    if [ -n "$POLICY_RC_CREATED" ]; then rm -f /usr/sbin/policy-rc.d; fi
    if [ -n "$TMP" ] && [ -d "$TMP" ]; then
        if [ "$FAILED" -gt 0 ] || [ "$PASSED" -lt "$TOTAL" ]; then
            for f in tirek.err nginx-error.log; do
                [ -s "$TMP/$f" ] && { log "--- last lines of $f ---"; tail -n 15 "$TMP/$f" >&2; }
            done
        fi
        if [ -n "${KEEP_TMP:-}" ]; then log "kept $TMP"; else rm -rf "$TMP"; fi
    fi
    # Checks that never ran (an early error or the timeout) count as failed.
    local missing=$((TOTAL - PASSED - FAILED))
    [ "$missing" -gt 0 ] && FAILED=$((FAILED + missing))
    echo "$PASSED passed, $FAILED failed"
    if [ "$FAILED" -gt 0 ]; then exit 1; fi
    exit "$rc"
}
trap finish EXIT
trap 'log "interrupted"; exit 1' INT TERM

die() { log "error: $*"; exit 1; }

# --- prerequisites ------------------------------------------------------------------------------
PATH="$PATH:/usr/sbin:/sbin"
need=()
command -v nginx   >/dev/null 2>&1 || need+=(nginx)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
command -v curl    >/dev/null 2>&1 || need+=(curl)
command -v python3 >/dev/null 2>&1 || need+=(python3)
if [ "${#need[@]}" -gt 0 ]; then
    [ "$(id -u)" -eq 0 ] || die "missing ${need[*]}; run as root (apt) or install them"
    log "installing ${need[*]} with apt"
    # Keep the nginx package from starting its own daemon on :80 while it installs.
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
        chmod 0755 /usr/sbin/policy-rc.d
        POLICY_RC_CREATED=1
    fi
    # Another apt may hold the lock (wait for it, bounded).
    timeout 300 apt-get -o DPkg::Lock::Timeout=240 update -qq >&2 || die "apt-get update failed"
    DEBIAN_FRONTEND=noninteractive timeout 300 apt-get -o DPkg::Lock::Timeout=240 install -y -qq \
        --no-install-recommends "${need[@]}" >&2 || die "apt-get install ${need[*]} failed"
    if [ -n "$POLICY_RC_CREATED" ]; then rm -f /usr/sbin/policy-rc.d; POLICY_RC_CREATED=""; fi
fi
NGINX="$(command -v nginx)"
[ -x "$TIREK_BIN" ] || die "no tirek binary at $TIREK_BIN (build it: swift build --product tirek)"
[ -f "$CONF_SRC" ] || die "no $CONF_SRC"

TMP="$(mktemp -d /tmp/tirek-nginx-check.XXXXXX)"
chmod 0755 "$TMP"   # nginx workers (user nobody) read nothing here but need to traverse it

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}
HTTPS_PORT="$(free_port)"
HTTP_PORT="$(free_port)"
while [ "$HTTP_PORT" = "$HTTPS_PORT" ]; do HTTP_PORT="$(free_port)"; done
ADMIN_KEY="check-$(openssl rand -hex 16)"

# --- certificate ---------------------------------------------------------------------------------
timeout 30 openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=127.0.0.1" \
    -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
    -keyout "$TMP/key.pem" -out "$TMP/cert.pem" >/dev/null 2>&1 || die "openssl could not make a certificate"

# --- tirek ---------------------------------------------------------------------------------------
# Port 0: the server binds a free port and prints it, so there is no race for the upstream port.
"$TIREK_BIN" serve --demo --host 127.0.0.1 --port 0 --db "$TMP/tirek.sqlite" \
    --admin-key "$ADMIN_KEY" --public-url "https://127.0.0.1:$HTTPS_PORT" \
    >"$TMP/tirek.out" 2>"$TMP/tirek.err" &
TIREK_PID=$!
TIREK_PORT=""
for _ in $(seq 1 300); do
    TIREK_PORT="$(sed -n 's|^Tirek listening on http://127\.0\.0\.1:\([0-9]*\) .*|\1|p' "$TMP/tirek.out")"
    [ -n "$TIREK_PORT" ] && break
    kill -0 "$TIREK_PID" 2>/dev/null || die "tirek exited at startup"
    sleep 0.1
done
[ -n "$TIREK_PORT" ] || die "tirek did not report its port within 30 s"
# The hub teacher's link is the first one printed.
TOKEN="$(grep -m 1 -o 'token=v1\.[A-Za-z0-9_.-]*' "$TMP/tirek.out" | cut -d= -f2 || true)"
[ -n "$TOKEN" ] || die "no join link in tirek's --demo output"
log "tirek pid $TIREK_PID on 127.0.0.1:$TIREK_PORT; nginx https 127.0.0.1:$HTTPS_PORT"

# --- render the nginx config ---------------------------------------------------------------------
# Each rewrite must match exactly once, so a reshaped tirek.conf fails here instead of silently
# testing something else.
python3 - "$CONF_SRC" "$TMP/tirek.conf" "$TMP" "$TIREK_PORT" "$HTTPS_PORT" "$HTTP_PORT" <<'PY' || die "could not render $CONF_SRC"
import re, sys
src, dst, tmp, up, https, http = sys.argv[1:]
text = open(src).read()
rules = [
    (r"server 127\.0\.0\.1:8080;", f"server 127.0.0.1:{up};"),
    (r"listen 80;", f"listen 127.0.0.1:{http};"),
    (r"listen \[::\]:80;", "# (v6 listener dropped by the check)"),
    (r"listen 443 ssl;", f"listen 127.0.0.1:{https} ssl;"),
    (r"listen \[::\]:443 ssl;", "# (v6 listener dropped by the check)"),
    (r"ssl_certificate\s+\S+;", f"ssl_certificate {tmp}/cert.pem;"),
    (r"ssl_certificate_key\s+\S+;", f"ssl_certificate_key {tmp}/key.pem;"),
    (r"access_log /var/log/nginx/\S+ ", f"access_log {tmp}/nginx-access.log "),
    (r"error_log\s+/var/log/nginx/\S+ ", f"error_log {tmp}/nginx-error.log "),
]
for pattern, repl in rules:
    text, n = re.subn(pattern, repl, text)
    if n != 1:
        sys.exit(f"render: {pattern!r} matched {n} times, expected 1")
directives = re.sub(r"#[^\n]*", "", text)   # comments may mention the production values
for leftover in ("/etc/letsencrypt", "/var/log/nginx", ":8080", "listen 443", "listen 80"):
    if leftover in directives:
        sys.exit(f"render: {leftover!r} still in the rendered config")
open(dst, "w").write(text)
PY

cat >"$TMP/nginx.conf" <<EOF
# Generated by scripts/check-nginx-proxy.sh; everything stays in $TMP.
daemon off;
worker_processes 1;
pid $TMP/nginx.pid;
error_log $TMP/nginx-error.log info;
events { worker_connections 256; }
http {
    default_type application/octet-stream;
    access_log $TMP/nginx-access.log;
    client_body_temp_path $TMP/client_body;
    proxy_temp_path $TMP/proxy;
    fastcgi_temp_path $TMP/fastcgi;
    uwsgi_temp_path $TMP/uwsgi;
    scgi_temp_path $TMP/scgi;
    include $TMP/tirek.conf;
}
EOF

if ! timeout 30 "$NGINX" -t -p "$TMP" -e "$TMP/nginx-error.log" -c "$TMP/nginx.conf" >"$TMP/nginx-t.log" 2>&1; then
    cat "$TMP/nginx-t.log" >&2
    die "nginx -t rejected the rendered config"
fi
log "nginx -t: $(grep -c 'successful' "$TMP/nginx-t.log") x successful"

"$NGINX" -p "$TMP" -e "$TMP/nginx-error.log" -c "$TMP/nginx.conf" >"$TMP/nginx.out" 2>&1 &
NGINX_PID=$!
up=""
for _ in $(seq 1 100); do
    if curl -sk --max-time 2 -o /dev/null "https://127.0.0.1:$HTTPS_PORT/healthz"; then up=1; break; fi
    kill -0 "$NGINX_PID" 2>/dev/null || die "nginx exited at startup"
    sleep 0.1
done
[ -n "$up" ] || die "nginx did not accept TLS connections within 10 s"
log "nginx pid $NGINX_PID"

# --- (a) /healthz over TLS -----------------------------------------------------------------------
if body="$(curl -sk --max-time 10 -D "$TMP/healthz.headers" "https://127.0.0.1:$HTTPS_PORT/healthz")" \
    && grep -q '"status":"ok"' <<<"$body"; then
    if grep -qi '^strict-transport-security: max-age=' "$TMP/healthz.headers"; then
        pass "(a) https /healthz via nginx: $body"
    else
        fail "(a) /healthz answered but without Strict-Transport-Security"
    fi
else
    fail "(a) https /healthz via nginx: got '${body:-<nothing>}'"
fi

# --- (b) wss:// through nginx receives welcome ---------------------------------------------------
# This runs after ordinary requests went through nginx (the readiness loop, (a)): if the config
# pooled upstream connections (`keepalive`), the upgrade would reuse one and Tirek would answer
# 307 (hummingbird-websocket upgrades only a connection's first request), so (b) guards that too.
cat >"$TMP/wss_welcome.py" <<'PY'
"""Opens wss://127.0.0.1:PORT/v1/ws?token=TOKEN with the standard library only and prints the
first message (which must be `welcome`). Exit 0 on success."""
import base64, hashlib, json, os, socket, ssl, struct, sys

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
port, token = int(sys.argv[1]), sys.argv[2]

ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE          # throwaway self-signed certificate
raw = socket.create_connection(("127.0.0.1", port), timeout=10)
sock = ctx.wrap_socket(raw, server_hostname="localhost")
sock.settimeout(10)

key = base64.b64encode(os.urandom(16)).decode()
request = (f"GET /v1/ws?token={token} HTTP/1.1\r\n"
           f"Host: 127.0.0.1:{port}\r\n"
           "Upgrade: websocket\r\n"
           "Connection: Upgrade\r\n"
           f"Sec-WebSocket-Key: {key}\r\n"
           "Sec-WebSocket-Version: 13\r\n"
           "User-Agent: tirek-check-nginx-proxy\r\n"
           "\r\n")
sock.sendall(request.encode())

buf = b""
while b"\r\n\r\n" not in buf:
    chunk = sock.recv(4096)
    if not chunk:
        sys.exit(f"connection closed during the handshake: {buf!r}")
    buf += chunk
    if len(buf) > 65536:
        sys.exit("handshake response too large")
head, rest = buf.split(b"\r\n\r\n", 1)
lines = head.decode("latin-1").split("\r\n")
status = lines[0]
headers = {}
for line in lines[1:]:
    name, _, value = line.partition(":")
    headers[name.strip().lower()] = value.strip()
if status.split(" ")[1:2] != ["101"]:
    sys.exit(f"expected 101, got {status!r}: {rest[:300]!r}")
expected = base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()
if headers.get("sec-websocket-accept") != expected:
    sys.exit(f"bad Sec-WebSocket-Accept {headers.get('sec-websocket-accept')!r}, expected {expected!r}")
if headers.get("upgrade", "").lower() != "websocket":
    sys.exit(f"bad Upgrade header {headers.get('upgrade')!r}")

def recv_exact(n):
    global rest
    while len(rest) < n:
        chunk = sock.recv(65536)
        if not chunk:
            raise EOFError("connection closed")
        rest += chunk
    out, rest = rest[:n], rest[n:]
    return out

def send_frame(opcode, payload=b""):
    """Client frames must be masked (RFC 6455 5.3)."""
    mask = os.urandom(4)
    n = len(payload)
    if n < 126:
        header = struct.pack("!BB", 0x80 | opcode, 0x80 | n)
    elif n < 65536:
        header = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, n)
    else:
        header = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, n)
    sock.sendall(header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))

def read_frame():
    b0, b1 = recv_exact(2)
    fin, opcode = b0 & 0x80, b0 & 0x0F
    if b0 & 0x70:
        raise ValueError("reserved bits set (no extension was negotiated)")
    masked, n = b1 & 0x80, b1 & 0x7F
    if n == 126:
        n = struct.unpack("!H", recv_exact(2))[0]
    elif n == 127:
        n = struct.unpack("!Q", recv_exact(8))[0]
    if masked:
        raise ValueError("server frames must not be masked")
    return bool(fin), opcode, recv_exact(n)

def read_message():
    """Next complete data message (reassembles fragments, answers pings)."""
    parts, first_opcode = [], None
    while True:
        fin, opcode, payload = read_frame()
        if opcode == 0x9:                      # ping -> pong
            send_frame(0xA, payload)
            continue
        if opcode == 0xA:
            continue
        if opcode == 0x8:
            code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None
            raise EOFError(f"server closed: {code} {payload[2:].decode(errors='replace')}")
        if opcode in (0x1, 0x2):
            first_opcode, parts = opcode, [payload]
        elif opcode == 0x0:
            parts.append(payload)
        if fin:
            return first_opcode, b"".join(parts)

opcode, data = read_message()
if opcode != 0x1:
    sys.exit(f"first message is not text (opcode {opcode})")
msg = json.loads(data)
if len(sys.argv) > 3 and sys.argv[3] == "refused":
    # A refused client is told why: one `error`, then a close frame 4401 with the code as reason.
    if msg.get("type") != "error":
        sys.exit(f"expected an error message, got {data[:300]!r}")
    for _ in range(50):
        fin, opcode, payload = read_frame()
        if opcode == 0x8:
            code = struct.unpack("!H", payload[:2])[0]
            print(f"refused: error {msg.get('code')}, close {code} {payload[2:].decode()!r}")
            sys.exit(0 if code == 4401 and msg.get("code") == "token_bad_signature" else 1)
    sys.exit("no close frame")
if msg.get("type") != "welcome":
    sys.exit(f"first message is {msg.get('type')!r}, not welcome: {data[:300]!r}")
you = msg.get("you", {})
print(f"welcome: you={you.get('id')} ({you.get('role')}), lesson={msg.get('lesson', {}).get('id')}, "
      f"heartbeat_ms={msg.get('heartbeat_ms')}, {len(data)} bytes")

# Leave politely: close 1000 and wait for the server's close frame.
send_frame(0x8, struct.pack("!H", 1000) + b"check done")
try:
    for _ in range(50):
        fin, opcode, payload = read_frame()
        if opcode == 0x8:
            break
except (EOFError, OSError):
    pass
sock.close()
PY
if out="$(timeout 30 python3 "$TMP/wss_welcome.py" "$HTTPS_PORT" "$TOKEN" 2>&1)"; then
    pass "(b) wss /v1/ws via nginx: $out"
else
    fail "(b) wss /v1/ws via nginx: $out"
fi

# --- (c) a bad token is refused with the server's 401 --------------------------------------------
# Tamper with the signature's FIRST character. (Not the last: a 32-byte MAC is 43 base64url
# characters and the last one carries 2 unused bits, so e.g. B -> A can leave the MAC unchanged
# and the server, decoding leniently, would accept the "tampered" token.)
SIG="${TOKEN##*.}"
first="${SIG:0:1}"
if [ "$first" = "A" ]; then repl="Q"; else repl="A"; fi
BAD_TOKEN="${TOKEN%.*}.$repl${SIG:1}"
# c1: the documented way to learn why a token is refused: the same GET without upgrade headers.
#     Must be Tirek's own 401 JSON (token_bad_signature), passed through nginx unchanged.
code="$(curl -sk --http1.1 --max-time 10 -o "$TMP/bad.body" -w '%{http_code}' \
    "https://127.0.0.1:$HTTPS_PORT/v1/ws?token=$BAD_TOKEN" || true)"
bad_body="$(cat "$TMP/bad.body" 2>/dev/null || true)"
# c2: a real WebSocket upgrade with that token: browsers cannot read a refused upgrade's HTTP
#     status, so Tirek upgrades, sends an `error` with the code and closes with 4401.
ws_out="$(timeout 30 python3 "$TMP/wss_welcome.py" "$HTTPS_PORT" "$BAD_TOKEN" refused 2>&1)" && ws_ok=1 || ws_ok=0
if [ "$code" = "401" ] && grep -q '"message":"token_bad_signature' <<<"$bad_body" && [ "$ws_ok" = 1 ]; then
    pass "(c) bad token via nginx: GET -> HTTP $code $bad_body; WebSocket $ws_out"
else
    fail "(c) bad token via nginx: GET -> HTTP ${code:-none} '${bad_body}' (want 401 token_bad_signature); WebSocket: $ws_out (want error token_bad_signature + close 4401)"
fi

# The access log must not contain join tokens (they are bearer credentials).
if grep -q 'token=' "$TMP/nginx-access.log" 2>/dev/null; then
    log "warning: the nginx access log contains join tokens"
fi
