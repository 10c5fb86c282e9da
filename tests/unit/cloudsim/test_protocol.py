"""Keystone auth, version discovery, microversion negotiation, and the /_sim control API."""

from __future__ import annotations

import httpx
import openstack
import pytest
from keystoneauth1 import exceptions as ks_exceptions

from tests.unit.cloudsim.conftest import settled


def test_password_auth_through_simulated_keystone(cloudsim):
    conn = openstack.connect(**cloudsim.sdk_config(password=True))
    assert conn.compute.get_endpoint() == cloudsim.compute_url
    services = list(conn.compute.services())
    assert {s.host for s in services if s.binary == "nova-compute"} == {"host1", "host2", "host3"}
    # token method: a new token from an existing one
    token = conn.session.get_token()
    resp = httpx.post(
        f"{cloudsim.identity_url}/auth/tokens",
        json={"auth": {"identity": {"methods": ["token"], "token": {"id": token}}}},
    )
    assert resp.status_code == 201 and resp.headers["X-Subject-Token"] != token
    catalog = resp.json()["token"]["catalog"]
    compute = next(c for c in catalog if c["type"] == "compute")
    assert {e["interface"] for e in compute["endpoints"]} == {"public", "internal", "admin"}
    check = httpx.get(
        f"{cloudsim.identity_url}/auth/tokens",
        headers={"X-Auth-Token": token, "X-Subject-Token": token},
    )
    assert check.status_code == 200
    assert check.json()["token"]["user"]["name"] == "admin"


def test_registered_services_join_the_catalog_with_the_project_substituted(cloudsim):
    cloudsim.register_service("instance-ha", "masakari", "http://127.0.0.1:1/v1/$(project_id)s")
    demo = cloudsim.cloud.project_by_name("demo")
    conn = openstack.connect(**cloudsim.sdk_config(password=True, user="demo"))
    assert conn.instance_ha.get_endpoint() == f"http://127.0.0.1:1/v1/{demo.id}"
    # and over HTTP: replacing the entry, listing it, refusing a bad one
    url = "http://127.0.0.1:2/v1"
    body = {"type": "instance-ha", "name": "masakari", "url": url}
    assert httpx.post(f"{cloudsim.url}/_sim/catalog", json=body).status_code == 201
    listed = httpx.get(f"{cloudsim.url}/_sim/catalog").json()["services"]
    assert listed == [body]
    for bad in ({**body, "url": "nowhere"}, {**body, "type": "compute"}, {"type": "x"}):
        assert httpx.post(f"{cloudsim.url}/_sim/catalog", json=bad).status_code == 400
    token = conn.session.get_token()
    check = httpx.get(
        f"{cloudsim.identity_url}/auth/tokens",
        headers={"X-Auth-Token": token, "X-Subject-Token": token},
    )
    ha = next(c for c in check.json()["token"]["catalog"] if c["type"] == "instance-ha")
    assert {e["url"] for e in ha["endpoints"]} == {url}


def test_wrong_password_is_401(cloudsim):
    cfg = cloudsim.sdk_config(password=True)
    cfg["password"] = "wrong"
    with pytest.raises(ks_exceptions.Unauthorized) as err:
        list(openstack.connect(**cfg).compute.services())
    assert err.value.http_status == 401


def test_keystone_takes_injected_faults(cloudsim):
    cloudsim.add_fault(op="identity.tokens.*", status=503, count=1)
    body = {
        "auth": {
            "identity": {
                "methods": ["password"],
                "password": {
                    "user": {"name": "admin", "domain": {"id": "default"}, "password": "admin"}
                },
            }
        }
    }
    assert httpx.post(f"{cloudsim.identity_url}/auth/tokens", json=body).status_code == 503
    assert httpx.post(f"{cloudsim.identity_url}/auth/tokens", json=body).status_code == 201


def test_strict_auth_refuses_unknown_tokens(cloudsim):
    cloudsim.configure(strict_auth=True)
    resp = httpx.get(f"{cloudsim.compute_url}/servers", headers={"X-Auth-Token": "notused"})
    assert resp.status_code == 401


def test_version_documents(cloudsim):
    root = httpx.get(cloudsim.url + "/").json()["versions"][0]
    assert (root["id"], root["version"], root["min_version"]) == ("v2.1", "2.95", "2.1")
    v21 = httpx.get(cloudsim.compute_url).json()["version"]
    assert v21["links"][0]["href"] == cloudsim.compute_url + "/"
    assert httpx.get(cloudsim.identity_url).json()["version"]["id"].startswith("v3")


@pytest.mark.parametrize(
    ("headers", "status", "echo"),
    [
        ({}, 200, "2.1"),
        ({"OpenStack-API-Version": "compute 2.53"}, 200, "2.53"),
        ({"OpenStack-API-Version": "compute latest"}, 200, "2.95"),
        ({"X-OpenStack-Nova-API-Version": "2.11"}, 200, "2.11"),
        ({"OpenStack-API-Version": "volume 3.1, compute 2.60"}, 200, "2.60"),
        ({"OpenStack-API-Version": "compute 2.96"}, 406, None),
        ({"OpenStack-API-Version": "compute 3.0"}, 406, None),
        ({"OpenStack-API-Version": "compute two"}, 400, None),
    ],
)
def test_microversion_headers(cloudsim, headers, status, echo):
    resp = httpx.get(f"{cloudsim.compute_url}/os-services", headers=headers)
    assert resp.status_code == status
    if echo:
        assert resp.headers["OpenStack-API-Version"] == f"compute {echo}"
        assert resp.headers["X-OpenStack-Nova-API-Version"] == echo
    if status == 406:
        assert resp.json()["computeFault"]["message"].endswith("maximum is 2.95.")


def test_project_id_in_path_and_bad_input(cloudsim):
    project = cloudsim.sim.user_by_name("admin").project_id
    resp = httpx.get(f"{cloudsim.url}/v2.1/{project}/servers/detail?limit=1&all_tenants=1")
    assert resp.status_code == 200
    assert f"/v2.1/{project}/servers/detail?" in resp.json()["servers_links"][0]["href"]
    sid = cloudsim.servers_on("host1")[0]
    bad = httpx.post(f"{cloudsim.compute_url}/servers/{sid}/action", content=b"{not json")
    assert bad.status_code == 400 and bad.json()["badRequest"]["code"] == 400
    bad = httpx.post(f"{cloudsim.compute_url}/servers/{sid}/action", json={"reboot-ish": {}})
    assert bad.status_code == 400
    assert httpx.get(f"{cloudsim.compute_url}/nothing-here").status_code == 404
    assert httpx.delete(f"{cloudsim.compute_url}/os-services").status_code == 405


def test_injected_errors_latency_and_lost_responses(cloudsim, nova):
    sid = cloudsim.servers_on("host1")[0]
    ctl = f"{cloudsim.url}/_sim"
    assert (
        httpx.post(
            f"{ctl}/faults", json={"op": "servers.show", "status": 500, "count": 1}
        ).status_code
        == 200
    )
    assert nova.call("GET", f"/servers/{sid}").status_code == 500
    assert nova.call("GET", f"/servers/{sid}").status_code == 200  # count exhausted
    httpx.post(f"{ctl}/faults", json={"op": "os-services.*", "status": 409, "rate": 1.0})
    resp = nova.call("GET", "/os-services")
    assert resp.status_code == 409 and "conflictingRequest" in resp.json()
    assert httpx.delete(f"{ctl}/faults").status_code == 204
    assert nova.call("GET", "/os-services").status_code == 200
    assert httpx.post(f"{ctl}/faults", json={"op": "x", "bogus": 1}).status_code == 400

    # a hang longer than the client's patience
    cloudsim.add_fault(op="servers.index", timeout=0.6)
    with pytest.raises(httpx.ReadTimeout):
        httpx.get(f"{cloudsim.compute_url}/servers", timeout=0.2)
    cloudsim.clear_faults()

    # a lost response: Nova did evacuate, the caller saw a 500
    cloudsim.fail_host("host1")
    svc = nova.service("host1")
    nova.call("PUT", f"/os-services/{svc['id']}", "2.53", {"forced_down": True})
    cloudsim.add_fault(op="servers.action.evacuate", status=500, after=True, server=sid)
    assert nova.action(sid, {"evacuate": {}}, "2.94").status_code == 500
    assert cloudsim.evacuations(sid) == 1
    assert cloudsim.server(sid).task_state in ("rebuilding", "rebuild_spawning")


def test_injected_evacuation_failures(cloudsim, nova):
    cloudsim.configure(evacuation_failure_rate=1.0)
    sid = cloudsim.servers_on("host2")[0]
    cloudsim.fail_host("host2")
    nova.call("PUT", f"/os-services/{nova.service('host2')['id']}", "2.53", {"forced_down": True})
    assert nova.action(sid, {"evacuate": {}}, "2.94").status_code == 200
    settled(cloudsim, sid)
    server = nova.server(sid, "2.94")
    # a failed rebuild leaves the server in ERROR on its source host
    assert server["status"] == "ERROR" and server["OS-EXT-SRV-ATTR:host"] == "host2"
    migs = nova.call("GET", f"/os-migrations?instance_uuid={sid}", "2.59").json()["migrations"]
    assert migs[0]["status"] == "failed"


def test_control_api(cloudsim):
    ctl = "/_sim"
    http = httpx.Client(base_url=cloudsim.url)
    assert http.post(f"{ctl}/hosts", json={"name": "host9", "vcpus": 4}).status_code == 200
    made = http.post(f"{ctl}/servers", json={"host": "host9", "metadata": {"HA_Enabled": "True"}})
    sid = made.json()["id"]
    assert http.post(f"{ctl}/hosts/host9/fail").json()["alive"] is False
    assert http.post(f"{ctl}/servers/{sid}/crash").status_code == 409  # host is dead
    assert http.post(f"{ctl}/hosts/host9/recover", json={"guests_survive": True}).status_code == 200
    assert http.post(f"{ctl}/servers/{sid}/crash").json()["status"] == "SHUTOFF"
    state = http.get(f"{ctl}/state?servers=1").json()
    assert state["instances"] == 7 and any(h["name"] == "host9" for h in state["hosts"])
    assert http.put(f"{ctl}/config", json={"evacuation_time": "x"}).status_code == 400
    assert http.put(f"{ctl}/config", json={"evacuation_time": 0.2}).json()["evacuation_time"] == 0.2
    http.get(f"/v2.1/servers/{sid}")
    counters = http.get(f"{ctl}/counters").json()
    assert counters["servers"][sid]["calls"] == {"servers.show": 1}
    assert http.post(f"{ctl}/reset").status_code == 204
    assert http.get(f"{ctl}/counters").json() == {"ops": {}, "servers": {}}
    assert http.post(f"{ctl}/hosts/nohost/fail").status_code == 404
