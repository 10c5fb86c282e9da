#!/usr/bin/env bash
# A real Nova 34.0.0 (fake virt driver, one process) for masakari-lite's tests.
#
#   realnova.sh setup     create/refresh the harness virtualenv (idempotent; fast when current)
#   realnova.sh start     start it in the background, wait until the API answers
#   realnova.sh stop      stop it
#   realnova.sh status    say whether it runs, and where
#   realnova.sh run ...   run it in the foreground (extra args go to realnova_server.py)
#
# Environment:
#   MASAKARI_LITE_REALNOVA_VENV    venv location  (default ~/.cache/masakari-lite/realnova-venv)
#   MASAKARI_LITE_REALNOVA_STATE   pid/log/ready files (default ~/.cache/masakari-lite/realnova-run)
#   MASAKARI_LITE_REALNOVA_PORT    TCP port (default 18800; 0 = any free port)
#   MASAKARI_LITE_REALNOVA_ARGS    extra server args, e.g. "--computes host1,host2 --service-down-time 10"
#   MASAKARI_LITE_REALNOVA_PYTHON  interpreter for the venv (default python3.11, else python3)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV="${MASAKARI_LITE_REALNOVA_VENV:-$HOME/.cache/masakari-lite/realnova-venv}"
STATE="${MASAKARI_LITE_REALNOVA_STATE:-$HOME/.cache/masakari-lite/realnova-run}"
PORT="${MASAKARI_LITE_REALNOVA_PORT:-18800}"
PIDFILE="$STATE/realnova.pid"
READY="$STATE/ready.json"
LOG="$STATE/realnova.log"
# A change to what we install invalidates the venv; nothing else does.
STAMP_WANT="$(cat "$HERE/requirements.txt" "$HERE/constraints.txt" | sha256sum | cut -c1-16)"
STAMP="$VENV/.masakari-lite-stamp"

pick_python() {
    if [ -n "${MASAKARI_LITE_REALNOVA_PYTHON:-}" ]; then echo "$MASAKARI_LITE_REALNOVA_PYTHON"
    elif command -v python3.11 >/dev/null 2>&1; then echo python3.11
    else echo python3; fi
}

cmd_setup() {
    if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$STAMP_WANT" ] && [ -x "$VENV/bin/python" ]; then
        echo "realnova: venv up to date at $VENV"
        return 0
    fi
    echo "realnova: building venv at $VENV (a few minutes the first time)"
    rm -f "$STAMP"
    [ -x "$VENV/bin/python" ] || "$(pick_python)" -m venv "$VENV"
    # This machine's pip config names index directories that do not hold every
    # package; pip warns once per package about it. Keep the log readable.
    "$VENV/bin/python" -m pip install --quiet -r "$HERE/requirements.txt" -c "$HERE/constraints.txt" 2>&1 \
        | { grep -v "is ignored: it is neither a file nor a directory" || true; }
    # Prove the install can load what the server needs before declaring it good.
    "$VENV/bin/python" -c "import nova.tests.functional.integrated_helpers, placement" 2>/dev/null
    echo "$STAMP_WANT" > "$STAMP"
    echo "realnova: venv ready"
}

running_pid() {
    [ -f "$PIDFILE" ] || return 1
    local pid
    pid="$(cat "$PIDFILE")"
    if kill -0 "$pid" 2>/dev/null && grep -q realnova_server "/proc/$pid/cmdline" 2>/dev/null; then
        echo "$pid"
        return 0
    fi
    return 1
}

cmd_start() {
    if pid="$(running_pid)"; then
        echo "realnova: already running (pid $pid): $(cat "$READY" 2>/dev/null)"
        return 0
    fi
    [ -x "$VENV/bin/python" ] || { echo "realnova: no venv at $VENV; run '$0 setup'" >&2; exit 2; }
    mkdir -p "$STATE"
    rm -f "$READY"
    # shellcheck disable=SC2086
    nohup "$VENV/bin/python" "$HERE/realnova_server.py" --port "$PORT" --ready-file "$READY" \
        ${MASAKARI_LITE_REALNOVA_ARGS:-} >"$LOG" 2>&1 &
    echo $! > "$PIDFILE"
    for _ in $(seq 1 300); do
        if [ -f "$READY" ]; then
            echo "realnova: started: $(cat "$READY")"
            return 0
        fi
        if ! kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
            echo "realnova: failed to start; last log lines:" >&2
            tail -n 30 "$LOG" >&2
            rm -f "$PIDFILE"
            exit 1
        fi
        sleep 0.2
    done
    echo "realnova: not ready after 60 s; see $LOG" >&2
    exit 1
}

cmd_stop() {
    if ! pid="$(running_pid)"; then
        echo "realnova: not running"
        rm -f "$PIDFILE" "$READY"
        return 0
    fi
    kill -TERM "$pid"
    for _ in $(seq 1 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
    rm -f "$PIDFILE" "$READY"
    echo "realnova: stopped (pid $pid)"
}

cmd_status() {
    if pid="$(running_pid)"; then
        echo "realnova: running (pid $pid): $(cat "$READY" 2>/dev/null)"
    else
        echo "realnova: not running"
        return 3
    fi
}

case "${1:-}" in
    setup) cmd_setup ;;
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    run) shift; exec "$VENV/bin/python" "$HERE/realnova_server.py" --port "$PORT" "$@" ;;
    *) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
