#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests.
#
#   eval "$(scripts/postgres.sh)"     # start (installing Debian's postgresql if needed)
#   .venv/bin/python -m pytest -m postgres
#   scripts/postgres.sh stop          # stop it and delete its data
#
# Start prints `export TUTOR_TEST_POSTGRES_URL=postgresql+asyncpg://...` on stdout (all
# other messages go to stderr), so `eval` sets the variable the tests look for. It is
# idempotent: when the server is already running it only prints the URL again.
#
# The server listens on 127.0.0.1 only, on a free port, with trust authentication and its
# data in $TUTOR_PG_STATE_DIR (default: $TMPDIR/tutor-test-postgres, or /tmp/...). When run
# as root (CI), apt-get installs the server if no binaries are found, and initdb/pg_ctl run
# as the `postgres` user because the server refuses to run as root.
set -euo pipefail

STATE_DIR="$(realpath -m "${TUTOR_PG_STATE_DIR:-${TMPDIR:-/tmp}/tutor-test-postgres}")"
DATA_DIR="$STATE_DIR/data"
PORT_FILE="$STATE_DIR/port"
LOG_FILE="$STATE_DIR/server.log"
DATABASE="tutor_test"
SERVER_USER="postgres"

say() { echo "postgres.sh: $*" >&2; }

find_bin_dir() {
    local pg_ctl
    pg_ctl="$(ls -1d /usr/lib/postgresql/*/bin/pg_ctl 2>/dev/null | sort -V | tail -n 1 || true)"
    if [[ -z "$pg_ctl" ]] && command -v pg_ctl >/dev/null; then
        pg_ctl="$(command -v pg_ctl)"
    fi
    [[ -n "$pg_ctl" ]] && dirname "$pg_ctl"
}

install_server() {
    if [[ "$(id -u)" != 0 ]]; then
        say "no PostgreSQL server binaries found; install Debian's 'postgresql' package"
        exit 1
    fi
    say "installing Debian's postgresql package"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq postgresql >&2
}

as_server_user() {
    if [[ "$(id -u)" == 0 ]]; then
        runuser -u "$SERVER_USER" -- "$@"
    else
        "$@"
    fi
}

port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

free_port() {
    local port
    for _ in $(seq 1 50); do
        port=$((20000 + RANDOM % 40000))
        if ! port_in_use "$port"; then
            echo "$port"
            return
        fi
    done
    say "found no free port"
    exit 1
}

is_running() {
    [[ -f "$DATA_DIR/PG_VERSION" ]] && as_server_user "$BIN/pg_ctl" -D "$DATA_DIR" status >/dev/null 2>&1
}

init_cluster() {
    rm -rf "$STATE_DIR"
    mkdir -p "$STATE_DIR"
    if [[ "$(id -u)" == 0 ]]; then
        chown "$SERVER_USER": "$STATE_DIR"
    fi
    as_server_user "$BIN/initdb" -D "$DATA_DIR" -U postgres --auth=trust --encoding=UTF8 \
        --locale=C.UTF-8 >/dev/null
}

start_server() {
    local port
    port="$(free_port)"
    as_server_user "$BIN/pg_ctl" -D "$DATA_DIR" -l "$LOG_FILE" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -c port=$port -k $STATE_DIR -c fsync=off" start >&2
    echo "$port" | as_server_user tee "$PORT_FILE" >/dev/null
}

create_database() {
    local port="$1" exists
    exists="$(as_server_user "$BIN/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -tAc \
        "SELECT 1 FROM pg_database WHERE datname = '$DATABASE'")"
    if [[ "$exists" != 1 ]]; then
        as_server_user "$BIN/createdb" -h 127.0.0.1 -p "$port" -U postgres "$DATABASE"
    fi
}

start() {
    BIN="$(find_bin_dir || true)"
    if [[ -z "$BIN" ]]; then
        install_server
        BIN="$(find_bin_dir)"
    fi
    if ! is_running; then
        if [[ ! -f "$DATA_DIR/PG_VERSION" ]]; then
            init_cluster
        fi
        start_server
        say "server started (data in $DATA_DIR, log $LOG_FILE)"
    fi
    local port
    port="$(cat "$PORT_FILE")"
    create_database "$port"
    echo "export TUTOR_TEST_POSTGRES_URL=postgresql+asyncpg://postgres@127.0.0.1:$port/$DATABASE"
}

stop() {
    BIN="$(find_bin_dir || true)"
    if [[ -n "$BIN" ]] && is_running; then
        as_server_user "$BIN/pg_ctl" -D "$DATA_DIR" -m fast -w stop >&2
    fi
    rm -rf "$STATE_DIR"
    say "stopped"
}

cd /  # the server user may not be allowed into the caller's directory

case "${1:-start}" in
    start) start ;;
    stop) stop ;;
    *)
        say "usage: $0 [start|stop]"
        exit 2
        ;;
esac
