"""masakari-lite-api with auth_strategy = keystone, against a real Keystone 30.0.0.

A real `masakari-lite-api` process validates tokens with keystonemiddleware's auth_token
as the service user `masakari`; the callers are real Keystone users with real tokens, and
the catalog entry is what the real clients (openstack CLI, openstacksdk) follow.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.parse
import uuid
from pathlib import Path

import httpx
import openstack
import pytest

DEV_BIN = Path(sys.executable).parent
PORTS = range(18901, 18910)

# The first test pays for the session's Keystone: seconds with its venv, minutes without.
pytestmark = pytest.mark.timeout(900)


def _free_port() -> int:
    for port in PORTS:
        with socket.socket() as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    pytest.fail(f"no free port in {PORTS.start}-{PORTS.stop - 1}")


def _wait_ready(url: str, proc: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            pytest.fail(f"masakari-lite-api exited with {proc.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    pytest.fail(f"masakari-lite-api did not answer on {url}:\n{log.read_text()}")


def _register(keystone, base: str) -> None:
    """The catalog entry devstack's plugin makes, with all three interfaces."""
    keystone.register_service("masakari", "instance-ha", f"{base}/v1/$(tenant_id)s")


@pytest.fixture(scope="module")
def service_user(keystone):
    """The API's own Keystone identity, as devstack creates it: admin (and service) in `service`."""
    # A name of its own: a concurrent session creating `masakari` again would reset its password.
    name = f"masakari-{uuid.uuid4().hex[:8]}"
    return keystone.create_user("admin", project="service", name=name, extra_roles=("service",))


@pytest.fixture(scope="module")
def api(keystone, service_user, tmp_path_factory):
    """A masakari-lite-api process in keystone mode, registered in the catalog as instance-ha."""
    workdir = tmp_path_factory.mktemp("keystone-api")
    port = _free_port()
    conf = workdir / "masakari-lite.conf"
    conf.write_text(
        f"""[DEFAULT]
auth_strategy = keystone
masakari_api_listen = 127.0.0.1
masakari_api_listen_port = {port}
masakari_api_workers = 1
state_path = {workdir}
transport_url = fake:/

[database]
connection = sqlite:///{workdir}/masakari-lite.sqlite

[keystone_authtoken]
www_authenticate_uri = {keystone.auth_url}
auth_url = {keystone.auth_url}
auth_type = password
username = {service_user.name}
password = {service_user.password}
project_name = {service_user.project_name}
user_domain_name = Default
project_domain_name = Default
interface = public
service_token_roles_required = true
"""
    )
    subprocess.run(
        [str(DEV_BIN / "masakari-lite-manage"), "--config-file", str(conf), "db", "sync"],
        check=True,
        capture_output=True,
    )
    log = workdir / "api.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(DEV_BIN / "masakari-lite-api"), "--config-file", str(conf)],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(f"{base}/", proc, log)
        with keystone.catalog_lock():
            _register(keystone, base)
            try:
                yield base
            finally:
                keystone.delete_services("instance-ha")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def admin_token(keystone):
    return keystone.token(keystone.admin)


@pytest.fixture(scope="module")
def member(keystone):
    return keystone.create_user("member")


def test_admin_token_lists_segments(api, admin_token):
    resp = httpx.get(f"{api}/v1/segments", headers={"X-Auth-Token": admin_token})

    assert resp.status_code == 200, resp.text
    assert isinstance(resp.json()["segments"], list)


def test_admin_token_works_under_its_project_prefix(api, keystone, admin_token):
    url = f"{api}/v1/{keystone.admin.project_id}/segments"

    resp = httpx.get(url, headers={"X-Auth-Token": admin_token})

    assert resp.status_code == 200, resp.text


def test_project_prefix_of_another_project_is_a_bad_request(api, member, admin_token):
    resp = httpx.get(
        f"{api}/v1/{member.project_id}/segments", headers={"X-Auth-Token": admin_token}
    )

    assert resp.status_code == 400, resp.text
    assert member.project_id in resp.json()["badRequest"]["message"]


def test_member_token_is_forbidden(api, keystone, member):
    resp = httpx.get(f"{api}/v1/segments", headers={"X-Auth-Token": keystone.token(member)})

    assert resp.status_code == 403, resp.text
    assert resp.json()["forbidden"]["code"] == 403


def test_member_cannot_claim_admin_with_a_spoofed_roles_header(api, keystone, member):
    headers = {
        "X-Auth-Token": keystone.token(member),
        "X-Roles": "admin",
        "X-Identity-Status": "Confirmed",
    }

    resp = httpx.post(
        f"{api}/v1/segments",
        headers=headers,
        json={"segment": {"name": "spoofed", "service_type": "COMPUTE", "recovery_method": "auto"}},
    )

    assert resp.status_code == 403, resp.text


def test_no_token_is_unauthorized(api, keystone):
    resp = httpx.get(f"{api}/v1/segments")

    assert resp.status_code == 401, resp.text
    assert keystone.auth_url in resp.headers["WWW-Authenticate"]


def test_no_token_with_spoofed_identity_headers_is_unauthorized(api):
    headers = {"X-Identity-Status": "Confirmed", "X-Roles": "admin", "X-Project-Id": "abc"}

    resp = httpx.get(f"{api}/v1/segments", headers=headers)

    assert resp.status_code == 401, resp.text


def test_garbage_token_is_unauthorized(api):
    resp = httpx.get(f"{api}/v1/segments", headers={"X-Auth-Token": f"garbage-{uuid.uuid4()}"})

    assert resp.status_code == 401, resp.text


def test_version_document_at_root_needs_no_token(api):
    resp = httpx.get(f"{api}/")

    assert resp.status_code == 200
    assert resp.json()["versions"][0]["id"] == "v1.0"


def test_version_by_id_needs_a_token_but_no_policy(api, keystone, member):
    # Upstream's versions controller checks no policy: any valid token reads it.
    assert httpx.get(f"{api}/v1/versions/v1.0").status_code == 401
    resp = httpx.get(f"{api}/v1/versions/v1.0", headers={"X-Auth-Token": keystone.token(member)})

    assert resp.status_code == 200, resp.text
    assert resp.json()["version"]["id"] == "v1.0"


def test_unimplemented_action_is_405_for_a_member_after_authentication(api, keystone, member):
    # Upstream refuses the method before any policy check, and before comparing
    # the URL's project with the token's.
    assert httpx.get(f"{api}/v1/segments/new").status_code == 401
    token = {"X-Auth-Token": keystone.token(member)}
    other_project = uuid.uuid4().hex

    resp = httpx.get(f"{api}/v1/{other_project}/segments/new", headers=token)

    assert resp.status_code == 405, resp.text
    assert resp.json()["badMethod"]["code"] == 405


def _openstack(keystone, user, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, **keystone.openstack_env(user)}
    return subprocess.run(
        [str(DEV_BIN / "openstack"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_openstack_catalog_show_lists_instance_ha_once_registered(api, keystone):
    keystone.delete_services("instance-ha")
    try:
        before = _openstack(
            keystone, keystone.admin, "catalog", "show", "instance-ha", "-f", "json"
        )
    finally:
        _register(keystone, api)

    after = _openstack(keystone, keystone.admin, "catalog", "show", "instance-ha", "-f", "json")

    # OSC exits 0 for an unknown service: it prints nothing and says so on stderr.
    assert json.loads(before.stdout or "{}") == {}, before.stdout
    assert "instance-ha not found" in before.stderr
    assert after.returncode == 0, after.stderr
    entry = json.loads(after.stdout)
    assert (entry["name"], entry["type"]) == ("masakari", "instance-ha")
    urls = {e["interface"]: e["url"] for e in entry["endpoints"]}
    expected = f"{api}/v1/{keystone.admin.project_id}"
    assert urls == {"public": expected, "internal": expected, "admin": expected}


def test_openstack_segment_cli_goes_through_the_catalog(api, keystone):
    name = f"cli-{uuid.uuid4().hex[:8]}"
    created = _openstack(
        keystone,
        keystone.admin,
        "segment",
        "create",
        name,
        "auto",
        "COMPUTE",
        "-f",
        "json",
    )
    assert created.returncode == 0, created.stderr

    listed = _openstack(keystone, keystone.admin, "segment", "list", "-f", "json")

    assert listed.returncode == 0, listed.stderr
    assert name in {row["name"] for row in json.loads(listed.stdout)}


def test_openstacksdk_password_auth_through_the_catalog(api, keystone):
    conn = openstack.connect(
        auth=keystone.admin.auth(keystone.auth_url), region_name="RegionOne", auth_type="password"
    )
    name = f"sdk-{uuid.uuid4().hex[:8]}"

    endpoint = conn.instance_ha.get_endpoint()
    created = conn.instance_ha.create_segment(
        name=name, recovery_method="auto", service_type="COMPUTE"
    )
    names = {segment.name for segment in conn.instance_ha.segments()}

    assert urllib.parse.urlsplit(endpoint).path.rstrip("/") == f"/v1/{keystone.admin.project_id}"
    assert created.uuid
    assert name in names


def test_openstacksdk_member_is_forbidden(api, keystone, member):
    conn = openstack.connect(
        auth=member.auth(keystone.auth_url), region_name="RegionOne", auth_type="password"
    )

    with pytest.raises(openstack.exceptions.ForbiddenException):
        list(conn.instance_ha.segments())
