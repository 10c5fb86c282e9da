# shellcheck shell=bash
# Sourced by the harness scripts under tools/: one way to build a harness's own venv.

# pyvenv_stamp REQUIREMENTS: what a venv built from REQUIREMENTS is stamped with.
pyvenv_stamp() { sha256sum "$1" | cut -c1-16; }

# pyvenv_ensure VENV REQUIREMENTS MARKER CHECK
# Create VENV (or refresh it in place) from the REQUIREMENTS file unless it is current: MARKER
# (a path inside VENV) exists and VENV's stamp matches REQUIREMENTS. CHECK is Python that the
# venv's interpreter must run cleanly before the stamp is written. PYTHON creates the venv.
pyvenv_ensure() {
    local venv=$1 requirements=$2 marker=$3 check=$4 stamp
    stamp=$(pyvenv_stamp "$requirements")
    if [[ -e $venv/$marker && "$(cat "$venv/.masakari-lite-stamp" 2>/dev/null)" == "$stamp" ]]; then
        return 0
    fi
    echo "installing $requirements into $venv (a few minutes the first time)" >&2
    # An existing venv is kept: pip only adds or changes what differs.
    "${PYTHON:-python3}" -m venv "$venv"
    # This machine's pip config names local indexes that may not exist: hide that noise.
    "$venv/bin/pip" install -q --disable-pip-version-check -r "$requirements" 2>&1 \
        | grep -v "is ignored: it is neither a file nor a directory" >&2 || true
    "$venv/bin/python" -c "$check"
    echo "$stamp" >"$venv/.masakari-lite-stamp"
}
