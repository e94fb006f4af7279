#!/usr/bin/env bash
# Azurite (the Azure Storage emulator) for local runs and the Azure half of the contract tests.
#
#   infra/local/azurite.sh start    install if needed, start in the background, wait for ports
#   infra/local/azurite.sh stop     stop the instance this script started (by its PID)
#   infra/local/azurite.sh status   exit 0 if it is running
#
# Pinned to azurite 3.35.0: the last release whose package.json accepts the Node 20 this
# project's machines have (3.36 declares node >=21, 3.37 >=22). 3.37 also runs on Node 20, but
# only past an EBADENGINE warning that an engine-strict npm turns into a failure. The SDK's newer
# x-ms-version is accepted through --skipApiVersionCheck.
#
# In memory only: every start is a clean account. Ports: AZURITE_BLOB_PORT (10000),
# AZURITE_QUEUE_PORT (10001), AZURITE_TABLE_PORT (10002); the tests expect the defaults
# unless APPGEN_AZURITE_CONNECTION says otherwise.
set -euo pipefail

VERSION=3.35.0
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
TOOLS="${APPGEN_TOOLS_DIR:-$HERE/.tools}"
PKG="$TOOLS/azurite-$VERSION"
ENTRY="$PKG/node_modules/azurite/dist/src/azurite.js"
PIDFILE="$TOOLS/azurite.pid"
LOG="$TOOLS/azurite.log"
BLOB_PORT="${AZURITE_BLOB_PORT:-10000}"
QUEUE_PORT="${AZURITE_QUEUE_PORT:-10001}"
TABLE_PORT="${AZURITE_TABLE_PORT:-10002}"

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

running_pid() {
    [[ -f "$PIDFILE" ]] || return 1
    local pid
    pid="$(cat "$PIDFILE")"
    [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
    # A stale pidfile whose PID now belongs to some other process must not be treated as ours.
    if [[ -r "/proc/$pid/cmdline" ]] && ! tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q azurite; then
        return 1
    fi
    echo "$pid"
}

install() {
    [[ -f "$ENTRY" ]] && return 0
    command -v node >/dev/null || { echo "azurite: node is not installed" >&2; exit 1; }
    echo "azurite: installing azurite@$VERSION into $PKG" >&2
    mkdir -p "$PKG"
    # Own prefix per version so a pin change never mixes trees.
    npm install --prefix "$PKG" --no-audit --no-fund --loglevel=error "azurite@$VERSION" >&2
    [[ -f "$ENTRY" ]] || { echo "azurite: install did not produce $ENTRY" >&2; exit 1; }
}

start() {
    if pid="$(running_pid)"; then
        echo "azurite: already running (pid $pid)"
        return 0
    fi
    for p in "$BLOB_PORT" "$QUEUE_PORT" "$TABLE_PORT"; do
        if port_open "$p"; then
            echo "azurite: port $p is already in use by another process; set AZURITE_*_PORT" >&2
            exit 1
        fi
    done
    install
    mkdir -p "$TOOLS"
    # node directly, not npx: npx runs npm → sh → node and killing its PID leaves node behind.
    nohup node "$ENTRY" --inMemoryPersistence --disableTelemetry --skipApiVersionCheck \
        --blobHost 127.0.0.1 --blobPort "$BLOB_PORT" \
        --queueHost 127.0.0.1 --queuePort "$QUEUE_PORT" \
        --tableHost 127.0.0.1 --tablePort "$TABLE_PORT" \
        >"$LOG" 2>&1 </dev/null &
    echo $! >"$PIDFILE"
    local pid=$!
    for _ in $(seq 1 100); do
        if port_open "$BLOB_PORT" && port_open "$QUEUE_PORT"; then
            echo "azurite: running (pid $pid, blob $BLOB_PORT, queue $QUEUE_PORT, log $LOG)"
            return 0
        fi
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "azurite: exited during startup; log follows" >&2
            cat "$LOG" >&2
            rm -f "$PIDFILE"
            exit 1
        fi
        sleep 0.2
    done
    echo "azurite: ports not up after 20 s; stopping it" >&2
    stop
    exit 1
}

stop() {
    local pid
    if ! pid="$(running_pid)"; then
        echo "azurite: not running"
        rm -f "$PIDFILE"
        return 0
    fi
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.2
    done
    if kill -0 "$pid" 2>/dev/null; then
        echo "azurite: pid $pid ignored SIGTERM; killing it" >&2
        kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$PIDFILE"
    echo "azurite: stopped (pid $pid)"
}

status() {
    if pid="$(running_pid)"; then
        echo "azurite: running (pid $pid, blob $BLOB_PORT, queue $QUEUE_PORT)"
    else
        echo "azurite: not running"
        return 1
    fi
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    status) status ;;
    install) install ;;
    *)
        echo "usage: $0 start|stop|status|install" >&2
        exit 2
        ;;
esac
