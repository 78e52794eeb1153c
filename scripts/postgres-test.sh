#!/bin/sh
# A throwaway PostgreSQL server for the test suite, never the system cluster.
#
#   eval "$(sh scripts/postgres-test.sh start)"   # exports TIREK_TEST_POSTGRES_URL and TIREK_TEST_POSTGRES_DIR
#   sh scripts/postgres-test.sh stop              # stops it and removes its folder (reads TIREK_TEST_POSTGRES_DIR,
#                                                 # or takes the folder as its second argument)
#
# `start` installs Debian's postgresql if it is missing (apt-get, as root), initialises a cluster in a
# new temp folder, listening on 127.0.0.1 at a free port (and on a Unix socket in that folder),
# creates a user with a random password and a database, and prints the two export lines on stdout;
# everything else goes to stderr. Durability is off (fsync, synchronous_commit): it is for tests.
# PostgreSQL refuses to run as root, so as root the server runs as the `postgres` user.
set -e

log() { echo "postgres-test: $*" >&2; }

bindir() {
    ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

install_server() {
    if [ -z "$(bindir)" ] || [ ! -x "$(bindir)/initdb" ]; then
        log "installing Debian's postgresql"
        [ "$(id -u)" = 0 ] || { log "postgresql is not installed and this is not root: apt-get install postgresql"; exit 1; }
        apt-get update -qq >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    fi
}

# Runs a command as the user the server runs as.
as_owner() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

start() {
    install_server
    bin=$(bindir)
    dir=$(mktemp -d "${TMPDIR:-/tmp}/tirek-pg.XXXXXX")
    # A start that fails half-way leaves no server or folder behind.
    trap '[ -n "$started" ] || stop "$dir"' EXIT
    chmod 755 "$dir"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$dir"
    password=$(python3 -c 'import secrets; print(secrets.token_hex(12))')
    as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
        -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
    tries=0
    until port=$(free_port) && as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
            -o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$dir -c max_connections=300 \
                -c fsync=off -c synchronous_commit=off -c full_page_writes=off" start >/dev/null; do
        tries=$((tries + 1))
        [ "$tries" -lt 3 ] || { cat "$dir/server.log" >&2; exit 1; }
        log "start on port $port failed; trying another"
    done
    as_owner "$bin/psql" -q -h "$dir" -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 \
        -c "CREATE ROLE tirek LOGIN PASSWORD '$password'" -c "CREATE DATABASE tirek OWNER tirek" >&2
    started=1
    log "running in $dir on 127.0.0.1:$port"
    echo "export TIREK_TEST_POSTGRES_URL=postgres://tirek:$password@127.0.0.1:$port/tirek"
    echo "export TIREK_TEST_POSTGRES_DIR=$dir"
}

stop() {
    dir=${1:-$TIREK_TEST_POSTGRES_DIR}
    [ -n "$dir" ] || { log "stop: no folder (set TIREK_TEST_POSTGRES_DIR or pass it)"; exit 1; }
    case "$dir" in */tirek-pg.*) ;; *) log "stop: $dir is not a folder this script made"; exit 1 ;; esac
    if [ -f "$dir/data/postmaster.pid" ]; then
        as_owner "$(bindir)/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || log "pg_ctl stop failed"
    fi
    rm -rf "$dir"
    log "stopped and removed $dir"
}

case "$1" in
    start) start ;;
    stop) stop "$2" ;;
    *) echo "usage: $0 start|stop [dir]" >&2; exit 2 ;;
esac
