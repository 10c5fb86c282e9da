#!/bin/bash
# Lint masakari-lite's shell scripts with shellcheck: the devstack plugin
# (which can only really run inside devstack) and the scripts under tools/.
#
#   bash .ci/lint-shell.sh            install shellcheck if missing, then lint
#   bash .ci/lint-shell.sh --no-install   fail instead of installing
#
# .ci/run is linted by whoever owns it; this script only covers the files below.
set -euo pipefail

cd "$(dirname "$0")/.."

install=1
if [[ "${1:-}" == "--no-install" ]]; then
    install=0
fi

if ! command -v shellcheck >/dev/null 2>&1; then
    if [[ $install -eq 0 ]]; then
        echo "lint-shell: shellcheck is not installed" >&2
        exit 1
    fi
    sudo_cmd=()
    if [[ $(id -u) -ne 0 ]]; then
        sudo_cmd=(sudo)
    fi
    # Only refresh the package lists when apt does not know the package yet.
    if ! apt-cache show shellcheck >/dev/null 2>&1; then
        "${sudo_cmd[@]}" apt-get update
    fi
    "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y shellcheck
fi

# Scripts: devstack/*.sh, plus every *.sh or shell-shebang file under tools/.
scripts=(devstack/*.sh)
if [[ -d tools ]]; then
    while IFS= read -r -d '' f; do
        case "$f" in
            *.sh) scripts+=("$f") ;;
            *)
                if head -n1 "$f" | grep -Eq '^#!.*[/ ](ba|da|k)?sh([[:space:]]|$)'; then
                    scripts+=("$f")
                fi
                ;;
        esac
    done < <(find tools -type f \( -name '*.sh' -o -perm -u+x \) -print0 | sort -z)
fi

status=0
echo "lint-shell: shellcheck $(shellcheck --version | sed -n 's/^version: //p') on ${scripts[*]} devstack/settings"
shellcheck -x "${scripts[@]}" || status=1
# devstack/settings has no shebang: devstack sources it into bash.
shellcheck -s bash devstack/settings || status=1
if [[ $status -eq 0 ]]; then
    echo "lint-shell: clean"
fi
exit $status
