#!/usr/bin/env bash
# Upstream Masakari 22.0.0 in a venv of its own: the reference side of the benchmarks, and
# the source of the upstream functional tests that tests/e2e/test_upstream_functional.py
# runs against masakari-lite.
#
#   tools/upstream/upstream.sh setup   create or refresh the venv (idempotent; instant when
#                                      current, a few minutes from nothing)
#   tools/upstream/upstream.sh path    print the venv's directory
#
# Environment (all optional):
#   MASAKARI_LITE_UPSTREAM_VENV  venv             (~/.cache/masakari-lite/masakari-upstream-venv)
#   PYTHON                       interpreter that creates the venv (python3)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/masakari-lite
VENV=${MASAKARI_LITE_UPSTREAM_VENV:-$CACHE/masakari-upstream-venv}
PYTHON=${PYTHON:-python3}
# shellcheck source=tools/lib/pyvenv.sh
source "$HERE/../lib/pyvenv.sh"

log() { echo "upstream.sh: $*" >&2; }

cmd_setup() {
    mkdir -p "$(dirname "$VENV")"
    # CI and a benchmark may set it up at the same time.
    exec 9>"$VENV.lock"
    flock 9
    pyvenv_ensure "$VENV" "$HERE/requirements.txt" bin/masakari-api \
        "import importlib.metadata as m, ddt, oslotest, openstack, stestr
assert m.version('masakari') == '22.0.0'"
    log "ready at $VENV"
}

case ${1:-} in
setup) cmd_setup ;;
path) echo "$VENV" ;;
*)
    echo "usage: $0 setup|path" >&2
    exit 2
    ;;
esac
