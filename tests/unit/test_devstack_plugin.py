"""The devstack plugin, run phase by phase in bash with devstack's helpers stubbed.

devstack itself cannot run here. The stubs below stand in for devstack's
functions (they record their arguments, and iniset really writes the ini file);
the plugin's own logic runs for real, and so do the commands it runs on the
host: `masakari-lite-manage db sync` migrates a real SQLite database, and the
config file it writes is loaded with masakari-lite's options and keystoneauth.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from keystoneauth1 import loading as ks_loading
from oslo_config import cfg

from masakari_lite.conf import api, database, default, engine, nova

ROOT = Path(__file__).resolve().parents[2]
DEVSTACK = ROOT / "devstack"
BIN = Path(sys.executable).parent

SERVICE_HOST = "192.0.2.10"
CATALOG_URL = f"http://{SERVICE_HOST}:15868/v1/$(project_id)s"

# What devstack's stackrc, lib/* and functions-common provide, reduced to
# recording what the plugin asks of them.
STUBS = r"""
set -eu
rec() { local IFS=$'\t'; printf '%s\n' "$*" >> "$MLT_LOG"; }
is_service_enabled() {
    local s
    for s in "$@"; do [[ ",$ENABLED_SERVICES," == *",$s,"* ]] && return 0; done
    return 1
}
enable_service() {
    local s
    for s in "$@"; do
        [[ ",$DISABLED_SERVICES," == *",$s,"* ]] && continue
        ENABLED_SERVICES="$ENABLED_SERVICES,$s"
    done
}
get_python_exec_prefix() { echo "$MLT_BIN"; }
echo_summary() { rec echo_summary "$@"; }
die() { echo "die: $*" >&2; exit 1; }
sudo() { "$@"; }
pip_install() { rec pip_install "$@"; }
pip_install_gr() { rec pip_install_gr "$@"; }
use_library_from_git() { return 1; }
git_clone_by_name() { rec git_clone_by_name "$@"; }
setup_dev_lib() { rec setup_dev_lib "$@"; }
iniset() {
    "$MLT_PYTHON" - "$@" <<'PY'
import configparser, os, sys
path, section, key, value = sys.argv[1:5]
cp = configparser.ConfigParser(interpolation=None)
cp.optionxform = str
if os.path.exists(path):
    cp.read(path)
if section != "DEFAULT" and not cp.has_section(section):
    cp.add_section(section)
cp.set(section, key, value)
with open(path, "w") as f:
    cp.write(f)
PY
}
iniset_rpc_backend() { rec iniset_rpc_backend "$@"; iniset "$2" "$3" transport_url "$MLT_RABBIT"; }
database_connection_url() { rec database_connection_url "$@"; echo "$MLT_DB_URL"; }
configure_keystone_authtoken_middleware() {
    rec configure_keystone_authtoken_middleware "$@"
    iniset "$1" keystone_authtoken auth_type password
    iniset "$1" keystone_authtoken username "$2"
}
create_service_user() { rec create_service_user "$@"; }
get_or_create_service() { rec get_or_create_service "$@"; echo svc-0001; }
get_or_create_endpoint() { rec get_or_create_endpoint "$@"; }
recreate_database() { rec recreate_database "$@"; }
run_process() { if is_service_enabled "$1"; then rec run_process "$@"; fi; }
stop_process() { rec stop_process "$@"; }
wait_for_service() { rec wait_for_service "$@"; }
start_tls_proxy() { rec start_tls_proxy "$@"; }

declare -A GITREPO GITBRANCH GITDIR
ENABLED_SERVICES=${MLT_ENABLED:-key,mysql}
DISABLED_SERVICES=${MLT_DISABLED:-}

# One devstack run: settings once, then the plugin once per phase.
source "$MLT_DEVSTACK/settings"
for phase in "$@"; do
    # shellcheck disable=SC2086
    source "$MLT_DEVSTACK/plugin.sh" $phase
done
"""


def run_plugin(tmp_path: Path, *phases: str, **env: str) -> list[list[str]]:
    """Run the given phases ("stack install", ...) and return the recorded calls."""
    log = tmp_path / "calls.log"
    log.unlink(missing_ok=True)
    driver = tmp_path / "driver.sh"
    driver.write_text(STUBS)
    full_env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "MLT_LOG": str(log),
        "MLT_BIN": str(BIN),
        "MLT_PYTHON": sys.executable,
        "MLT_DEVSTACK": str(DEVSTACK),
        "MLT_DB_URL": f"sqlite:///{tmp_path}/mlite.sqlite",
        "MLT_RABBIT": "rabbit://stackrabbit:secret@192.0.2.10:5672/",
        "DEST": str(tmp_path / "opt-stack"),
        "DATA_DIR": str(tmp_path / "data"),
        "GIT_BASE": "https://opendev.org",
        "MASAKARI_LITE_DIR": str(ROOT),
        "MASAKARI_LITE_CONF_DIR": str(tmp_path / "etc-masakari-lite"),
        "DATABASE_TYPE": "mysql",
        "SERVICE_HOST": SERVICE_HOST,
        "SERVICE_PROTOCOL": "http",
        "SERVICE_LISTEN_ADDRESS": "0.0.0.0",
        "REGION_NAME": "RegionOne",
        "SERVICE_PASSWORD": "s3cret",
        "SERVICE_PROJECT_NAME": "service",
        "SERVICE_DOMAIN_NAME": "Default",
        "KEYSTONE_SERVICE_URI": f"http://{SERVICE_HOST}/identity",
        "API_WORKERS": "2",
        "SERVICE_TIMEOUT": "60",
        "STACK_USER": subprocess.run(
            ["id", "-un"], capture_output=True, text=True, check=True
        ).stdout.strip(),
    }
    full_env.update(env)
    proc = subprocess.run(
        ["bash", str(driver), *phases],
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, f"plugin failed:\n{proc.stdout}\n{proc.stderr}"
    if not log.exists():
        return []
    return [line.split("\t") for line in log.read_text().splitlines()]


def calls_of(calls: list[list[str]], name: str) -> list[list[str]]:
    return [c[1:] for c in calls if c[0] == name]


def load_conf(path: Path) -> cfg.ConfigOpts:
    """The written file, read with masakari-lite's real option definitions."""
    conf = cfg.ConfigOpts()
    for module in (default, api, database, engine, nova):
        module.register_opts(conf)
    conf(["--config-file", str(path)], project="masakari-lite", default_config_files=[])
    return conf


@pytest.fixture(scope="module")
def stacked(tmp_path_factory) -> tuple[Path, list[list[str]]]:
    """One full `stack` run: install, post-config, extra."""
    tmp = tmp_path_factory.mktemp("devstack")
    calls = run_plugin(tmp, "stack install", "stack post-config", "stack extra")
    return tmp, calls


def test_registers_instance_ha_with_public_internal_and_admin_endpoints(stacked):
    _, calls = stacked
    assert calls_of(calls, "get_or_create_service") == [
        ["masakari", "instance-ha", "OpenStack Instance High Availability"]
    ]
    (endpoint,) = calls_of(calls, "get_or_create_endpoint")
    # devstack: <service> <region> <public> [admin] [internal]; each URL given
    # makes one endpoint of that interface.
    service, region, public, admin, internal = endpoint
    assert (service, region) == ("svc-0001", "RegionOne")
    assert public == admin == internal == CATALOG_URL


def test_creates_the_service_user_with_the_admin_role(stacked):
    _, calls = stacked
    assert calls_of(calls, "create_service_user") == [["masakari", "admin"]]
    assert calls_of(calls, "configure_keystone_authtoken_middleware")[0][1] == "masakari"


def test_installs_the_checkout_with_the_driver_for_the_database(stacked, tmp_path):
    _, calls = stacked
    assert ["-e", f"{ROOT}[mysql]"] in calls_of(calls, "pip_install")
    assert calls_of(calls, "pip_install_gr") == [["python-masakariclient"]]

    pg = run_plugin(tmp_path, "stack install", DATABASE_TYPE="postgresql")
    assert calls_of(pg, "pip_install") == [["-e", f"{ROOT}[postgresql]"]]


def test_writes_a_config_masakari_lite_and_keystoneauth_accept(stacked):
    tmp, _ = stacked
    conf = load_conf(tmp / "etc-masakari-lite" / "masakari-lite.conf")
    assert conf.auth_strategy == "keystone"
    assert conf.masakari_api_listen_port == 15868
    assert conf.masakari_api_workers == 2
    assert conf.database.connection == f"sqlite:///{tmp}/mlite.sqlite"
    assert conf.state_path == str(tmp / "data" / "masakari-lite")

    # Loading the plugin registers its options; a missing or misspelt one fails here.
    plugin = ks_loading.load_auth_from_conf_options(conf, "nova")
    assert type(plugin).__name__ == "Password"
    assert plugin.auth_url == f"http://{SERVICE_HOST}/identity"
    assert (conf.nova.username, conf.nova.password) == ("masakari", "s3cret")
    assert (conf.nova.project_name, conf.nova.project_domain_name) == ("service", "Default")
    assert conf.nova.user_domain_name == "Default"
    assert conf.nova.region_name == "RegionOne"
    assert conf.nova.valid_interfaces == ["public"]


def test_extra_migrates_the_database_and_runs_api_then_engine(stacked):
    tmp, calls = stacked
    assert calls_of(calls, "recreate_database") == [["masakari_lite"]]
    # db sync really ran against the URL the plugin wrote.
    version = subprocess.run(
        [
            str(BIN / "masakari-lite-manage"),
            "--config-file",
            str(tmp / "etc-masakari-lite" / "masakari-lite.conf"),
            "db",
            "version",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert version.stdout.strip() not in ("", "None")

    conf_path = tmp / "etc-masakari-lite" / "masakari-lite.conf"
    runs = calls_of(calls, "run_process")
    assert [r[0] for r in runs] == ["masakari-lite-api", "masakari-lite-engine"]
    for name, command in runs:
        exe, *args = command.split()
        assert exe == str(BIN / name) and os.access(exe, os.X_OK)
        assert args == ["--config-file", str(conf_path)]
    assert calls_of(calls, "wait_for_service") == [["60", f"http://{SERVICE_HOST}:15868/"]]


def test_tls_proxy_moves_the_api_to_the_internal_port(tmp_path):
    calls = run_plugin(
        tmp_path,
        "stack post-config",
        "stack extra",
        MLT_ENABLED="key,mysql,tls-proxy",
        SERVICE_PROTOCOL="https",
    )
    conf = load_conf(tmp_path / "etc-masakari-lite" / "masakari-lite.conf")
    assert conf.masakari_api_listen_port == 25868
    assert conf.osapi_masakari_link_prefix == f"https://{SERVICE_HOST}:15868"
    assert calls_of(calls, "start_tls_proxy") == [
        ["masakari-lite", "*", "15868", SERVICE_HOST, "25868"]
    ]
    (endpoint,) = calls_of(calls, "get_or_create_endpoint")
    assert endpoint[2] == f"https://{SERVICE_HOST}:15868/v1/$(project_id)s"


def test_an_engine_only_node_neither_registers_nor_migrates(tmp_path):
    calls = run_plugin(
        tmp_path,
        "stack post-config",
        "stack extra",
        MLT_DISABLED="masakari-lite-api",
    )
    assert calls_of(calls, "get_or_create_endpoint") == []
    assert calls_of(calls, "recreate_database") == []
    assert [r[0] for r in calls_of(calls, "run_process")] == ["masakari-lite-engine"]
    assert (tmp_path / "etc-masakari-lite" / "masakari-lite.conf").exists()


def test_unstack_stops_and_clean_removes_config_and_state(tmp_path):
    calls = run_plugin(tmp_path, "stack post-config", "unstack", "clean")
    assert calls_of(calls, "stop_process") == [["masakari-lite-engine"], ["masakari-lite-api"]]
    assert not (tmp_path / "etc-masakari-lite").exists()
    assert not (tmp_path / "data" / "masakari-lite").exists()


def test_shellcheck_is_clean_on_the_plugin():
    if shutil.which("shellcheck") is None:
        if os.environ.get("MASAKARI_LITE_REQUIRE_SERVICES") == "1":
            pytest.fail("shellcheck is not installed (run .ci/lint-shell.sh to install it)")
        pytest.skip("shellcheck is not installed")
    plugin = subprocess.run(
        ["shellcheck", str(DEVSTACK / "plugin.sh")], capture_output=True, text=True
    )
    assert plugin.returncode == 0, plugin.stdout
    settings = subprocess.run(
        ["shellcheck", "-s", "bash", str(DEVSTACK / "settings")], capture_output=True, text=True
    )
    assert settings.returncode == 0, settings.stdout
