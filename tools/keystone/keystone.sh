#!/usr/bin/env bash
# A real Keystone 30.0.0 for the tests: its own venv, SQLite, Fernet tokens, one gunicorn worker.
#
#   tools/keystone/keystone.sh setup   install the venv and build a bootstrapped template database
#                                      (idempotent; ~1 s when both exist, minutes from nothing)
#   tools/keystone/keystone.sh start   setup, then serve a fresh copy of the template on $PORT
#                                      (no-op if it is already answering)
#   tools/keystone/keystone.sh stop    stop the server started by `start` (by its pid file)
#   tools/keystone/keystone.sh status  exit 0 if it answers on $PORT
#   tools/keystone/keystone.sh env     print the admin's OS_* variables
#
# Environment (all optional):
#   MASAKARI_LITE_KEYSTONE_VENV      venv           (~/.cache/masakari-lite/keystone-venv)
#   MASAKARI_LITE_KEYSTONE_LAB       state dir      (~/.cache/masakari-lite/keystone-lab)
#   MASAKARI_LITE_KEYSTONE_PORT      listen port    (18900)
#   MASAKARI_LITE_KEYSTONE_PASSWORD  admin password (keystone-admin)
#   PYTHON                           interpreter that creates the venv (python3)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/masakari-lite
VENV=${MASAKARI_LITE_KEYSTONE_VENV:-$CACHE/keystone-venv}
LAB=${MASAKARI_LITE_KEYSTONE_LAB:-$CACHE/keystone-lab}
PORT=${MASAKARI_LITE_KEYSTONE_PORT:-18900}
PASSWORD=${MASAKARI_LITE_KEYSTONE_PASSWORD:-keystone-admin}
PYTHON=${PYTHON:-python3}
URL=http://127.0.0.1:$PORT/v3
TEMPLATE=$LAB/template
RUN=$LAB/run-$PORT
PIDFILE=$RUN/keystone.pid
# shellcheck source=tools/lib/pyvenv.sh
source "$HERE/../lib/pyvenv.sh"
# keystone imports eventlet, which warns about its own deprecation on every command.
export PYTHONWARNINGS=ignore

log() { echo "keystone.sh: $*" >&2; }

write_conf() {  # write_conf DIR: a keystone.conf whose state lives in DIR
    local dir=$1
    mkdir -p "$dir/log"
    cat >"$dir/keystone.conf" <<EOF
[DEFAULT]
log_file = $dir/log/keystone.log
use_stderr = false

[database]
connection = sqlite:///$dir/keystone.db

[token]
provider = fernet
expiration = 14400

[fernet_tokens]
key_repository = $dir/fernet-keys

[fernet_receipts]
key_repository = $dir/fernet-keys

[credential]
key_repository = $dir/credential-keys

[identity]
# bcrypt cost 4: ~1 ms per password check instead of ~250 ms. Must be set before bootstrap.
password_hash_rounds = 4

[cache]
# In-process cache: token validation drops from ~0.5 s to ~5 ms. It is per process, so
# gunicorn runs ONE worker (with threads).
enabled = true
backend = oslo_cache.dict
expiration_time = 600
EOF
}

setup_venv() {
    pyvenv_ensure "$VENV" "$HERE/requirements.txt" bin/keystone-manage \
        "import importlib.metadata as m; assert m.version('keystone') == '30.0.0'"
}

setup_template() {
    local want
    want="$PORT $PASSWORD $(pyvenv_stamp "$HERE/requirements.txt")"
    if [[ "$(cat "$TEMPLATE/.ready" 2>/dev/null)" == "$want" ]]; then
        return
    fi
    log "bootstrapping the template database in $TEMPLATE"
    rm -rf "$TEMPLATE"
    write_conf "$TEMPLATE"
    local manage=("$VENV/bin/keystone-manage" --config-file "$TEMPLATE/keystone.conf")
    "${manage[@]}" db_sync
    "${manage[@]}" fernet_setup --keystone-user "$(id -un)" --keystone-group "$(id -gn)"
    "${manage[@]}" credential_setup --keystone-user "$(id -un)" --keystone-group "$(id -gn)"
    chmod 700 "$TEMPLATE/fernet-keys" "$TEMPLATE/credential-keys"
    # bootstrap also creates the roles reader, member, manager and service (admin implies
    # manager implies member implies reader).
    "${manage[@]}" bootstrap --bootstrap-password "$PASSWORD" --bootstrap-username admin \
        --bootstrap-project-name admin --bootstrap-role-name admin \
        --bootstrap-service-name keystone --bootstrap-region-id RegionOne \
        --bootstrap-admin-url "$URL" --bootstrap-internal-url "$URL" --bootstrap-public-url "$URL"
    echo "$want" >"$TEMPLATE/.ready"
}

answering() {
    "$VENV/bin/python" - "$URL" <<'EOF' 2>/dev/null
import sys, urllib.request
urllib.request.urlopen(sys.argv[1], timeout=2).read()
EOF
}

running_pid() {
    local pid
    pid=$(cat "$PIDFILE" 2>/dev/null) || return 1
    kill -0 "$pid" 2>/dev/null && echo "$pid"
}

warm_up() {
    # Several threads loading the policy at once right after start gave a spurious 403 on token
    # validation; one policy-enforced request (issue, then validate a token) settles it first.
    "$VENV/bin/python" - "$URL" "$PASSWORD" <<'EOF'
import json, sys, urllib.request
url, password = sys.argv[1], sys.argv[2]
body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
    "name": "admin", "domain": {"id": "default"}, "password": password}}},
    "scope": {"project": {"name": "admin", "domain": {"id": "default"}}}}}
req = urllib.request.Request(url + "/auth/tokens", json.dumps(body).encode(),
                             {"Content-Type": "application/json"})
token = urllib.request.urlopen(req, timeout=30).headers["X-Subject-Token"]
req = urllib.request.Request(url + "/auth/tokens",
                             headers={"X-Auth-Token": token, "X-Subject-Token": token})
urllib.request.urlopen(req, timeout=30).read()
EOF
}

cmd_setup() {
    mkdir -p "$LAB"
    exec 9>"$LAB/.lock"
    flock 9
    setup_venv
    setup_template
    flock -u 9
}

cmd_start() {
    cmd_setup
    exec 9>"$LAB/.lock"
    flock 9
    if running_pid >/dev/null && answering; then
        log "already running on $URL"
        return
    fi
    if answering; then
        log "port $PORT is taken by something else"
        return 1
    fi
    rm -rf "$RUN"
    # A fresh server belongs to whoever starts it now; the test fixture re-marks its own.
    rm -f "$LAB/started-by-tests-$PORT"
    mkdir -p "$RUN"
    cp -a "$TEMPLATE/keystone.db" "$TEMPLATE/fernet-keys" "$TEMPLATE/credential-keys" "$RUN/"
    write_conf "$RUN"
    # --no-control-socket: gunicorn 27 otherwise shares ~/.gunicorn/gunicorn.ctl between
    # instances. --capture-output: without it a dying worker's traceback goes to /dev/null.
    OS_KEYSTONE_CONFIG_DIR=$RUN "$VENV/bin/gunicorn" --chdir "$HERE" --bind "127.0.0.1:$PORT" \
        --workers 1 --threads 8 --worker-class gthread --timeout 120 --no-control-socket \
        --pid "$PIDFILE" --daemon --capture-output \
        --error-logfile "$RUN/log/gunicorn.log" keystone_wsgi:application
    local _
    for _ in $(seq 1 120); do
        answering && break
        sleep 0.5
    done
    if ! answering; then
        log "Keystone did not answer on $URL; see $RUN/log/"
        tail -20 "$RUN/log/gunicorn.log" >&2 || true
        return 1
    fi
    warm_up
    log "serving $URL (pid $(cat "$PIDFILE"), state $RUN)"
}

cmd_stop() {
    local pid _
    if pid=$(running_pid); then
        kill "$pid"
        for _ in $(seq 1 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.2
        done
        kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
        log "stopped pid $pid"
    fi
    rm -f "$PIDFILE"
}

cmd_env() {
    cat <<EOF
export OS_AUTH_URL=$URL
export OS_IDENTITY_API_VERSION=3
export OS_USERNAME=admin
export OS_PASSWORD=$PASSWORD
export OS_PROJECT_NAME=admin
export OS_USER_DOMAIN_NAME=Default
export OS_PROJECT_DOMAIN_NAME=Default
export OS_REGION_NAME=RegionOne
EOF
}

case ${1:-} in
setup) cmd_setup ;;
start) cmd_start ;;
stop) cmd_stop ;;
status) answering ;;
env) cmd_env ;;
*)
    echo "usage: $0 setup|start|stop|status|env" >&2
    exit 2
    ;;
esac
