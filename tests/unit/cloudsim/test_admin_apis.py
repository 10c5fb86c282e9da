"""os-services, os-aggregates, os-hypervisors, os-migrations, flavors; admin-only rules."""

from __future__ import annotations

import httpx
import openstack
import pytest

from tests.unit.cloudsim.conftest import message, settled


def test_services_list_filters_and_ids_by_microversion(nova):
    all_services = nova.call("GET", "/os-services", "2.1").json()["services"]
    assert {s["binary"] for s in all_services} == {
        "nova-compute",
        "nova-conductor",
        "nova-scheduler",
    }
    old = nova.call("GET", "/os-services?host=host2", "2.1").json()["services"]
    assert len(old) == 1 and isinstance(old[0]["id"], int) and "forced_down" not in old[0]
    new = nova.service("host2", "2.53")
    assert len(new["id"]) == 36 and new["forced_down"] is False and new["state"] == "up"
    resp = nova.call("GET", "/os-services?bogus=1", "2.75")
    assert resp.status_code == 400


def test_services_old_style_updates(nova):
    body = {"host": "host1", "binary": "nova-compute", "disabled_reason": "maint"}
    resp = nova.call("PUT", "/os-services/disable-log-reason", "2.1", body)
    assert resp.json() == {
        "service": {
            "host": "host1",
            "binary": "nova-compute",
            "status": "disabled",
            "disabled_reason": "maint",
        }
    }
    assert nova.service("host1")["disabled_reason"] == "maint"
    resp = nova.call(
        "PUT", "/os-services/enable", "2.1", {"host": "host1", "binary": "nova-compute"}
    )
    assert resp.json()["service"]["status"] == "enabled"
    force = {"host": "host1", "binary": "nova-compute", "forced_down": True}
    assert nova.call("PUT", "/os-services/force-down", "2.10", force).status_code == 404
    resp = nova.call("PUT", "/os-services/force-down", "2.11", force)
    assert resp.json()["service"]["forced_down"] is True
    assert nova.service("host1")["state"] == "down"
    resp = nova.call(
        "PUT", "/os-services/enable", "2.1", {"host": "nohost", "binary": "nova-compute"}
    )
    assert resp.status_code == 404
    assert message(resp) == "Could not find binary nova-compute on host nohost."


def test_services_2_53_update_rules(nova):
    svc = nova.service("host3")
    url = f"/os-services/{svc['id']}"
    assert message(nova.call("PUT", "/os-services/disable", "2.53", {})) == "Invalid uuid disable"
    resp = nova.call("PUT", url, "2.53", {"status": "enabled", "disabled_reason": "x"})
    assert resp.status_code == 400
    assert nova.call("PUT", url, "2.53", {}).status_code == 400
    resp = nova.call(
        "PUT", "/os-services/6f1b1d1e-5c2b-4f55-9d3e-2a4f3b1c0d9e", "2.53", {"status": "disabled"}
    )
    assert resp.status_code == 404
    conductor = next(
        s
        for s in nova.call("GET", "/os-services", "2.53").json()["services"]
        if s["binary"] == "nova-conductor"
    )
    resp = nova.call("PUT", f"/os-services/{conductor['id']}", "2.53", {"status": "disabled"})
    assert resp.status_code == 400 and "Only nova-compute" in message(resp)
    resp = nova.call("PUT", url, "2.53", {"status": "disabled", "disabled_reason": "r"})
    assert resp.json()["service"]["status"] == "disabled"


def test_service_goes_down_after_service_down_time_unless_forced(cloudsim, nova):
    cloudsim.fail_host("host2")
    assert nova.service("host2")["state"] == "up"
    cloudsim.wait_for(lambda: nova.service("host2")["state"] == "down", timeout=5)
    cloudsim.recover_host("host2")
    assert nova.service("host2")["state"] == "up"


def test_aggregates_and_scheduler_filter(cloudsim, cloudsim_sdk, nova):
    conn = cloudsim_sdk
    agg = conn.compute.create_aggregate(name="ha-pool", availability_zone="az1")
    conn.compute.add_host_to_aggregate(agg, "host2")
    resp = nova.call(
        "POST", f"/os-aggregates/{agg.id}/action", "2.41", {"add_host": {"host": "host2"}}
    )
    assert resp.status_code == 409
    assert message(resp) == f"Aggregate {agg.id} already has host host2."
    resp = nova.call(
        "POST", f"/os-aggregates/{agg.id}/action", "2.41", {"add_host": {"host": "nohost"}}
    )
    assert resp.status_code == 404
    listed = [a for a in conn.compute.aggregates() if a.name == "ha-pool"]
    assert listed[0].hosts == ["host2"] and listed[0].availability_zone == "az1"
    assert nova.service("host2", "2.53")["zone"] == "az1"

    # a server booted into az1 can only land on host2, and evacuate only within az1
    image = next(iter(conn.compute.images()))
    server = conn.compute.create_server(
        name="in-az1", image_id=image.id, flavor_id="1", networks="none", availability_zone="az1"
    )
    server = conn.compute.wait_for_server(server, status="ACTIVE", interval=0.05, wait=5)
    assert server.compute_host == "host2"
    cloudsim.fail_host("host2")
    nova.call("PUT", f"/os-services/{nova.service('host2')['id']}", "2.53", {"forced_down": True})
    assert nova.action(server.id, {"evacuate": {}}, "2.94").status_code == 200
    settled(cloudsim, server.id)
    assert nova.server(server.id, "2.94")["status"] == "ERROR"  # no other host in az1
    conn.compute.add_host_to_aggregate(agg, "host3")
    nova.action(server.id, {"os-resetState": {"state": "active"}})
    assert nova.action(server.id, {"evacuate": {}}, "2.94").status_code == 200
    settled(cloudsim, server.id)
    assert nova.server(server.id, "2.94")["OS-EXT-SRV-ATTR:host"] == "host3"

    conn.compute.remove_host_from_aggregate(agg, "host3")
    resp = nova.call(
        "POST", f"/os-aggregates/{agg.id}/action", "2.1", {"remove_host": {"host": "host3"}}
    )
    assert resp.status_code == 404
    assert message(resp) == f"Cannot remove host host3 in aggregate {agg.id}"
    dup = nova.call("POST", "/os-aggregates", "2.1", {"aggregate": {"name": "ha-pool"}})
    assert dup.status_code == 409 and message(dup) == "Aggregate ha-pool already exists."


def test_flavor_extra_specs_pin_to_aggregate(cloudsim, cloudsim_sdk, nova):
    cloudsim.sim.add_flavor(
        "42", "pinned", 1, 512, extra_specs={"aggregate_instance_extra_specs:pool": "gold"}
    )
    agg = cloudsim_sdk.compute.create_aggregate(name="gold")
    cloudsim_sdk.compute.add_host_to_aggregate(agg, "host3")
    nova.call(
        "POST",
        f"/os-aggregates/{agg.id}/action",
        "2.1",
        {"set_metadata": {"metadata": {"pool": "gold"}}},
    )
    image = next(iter(cloudsim_sdk.compute.images()))
    for _ in range(3):
        resp = nova.call(
            "POST",
            "/servers",
            "2.1",
            {"server": {"name": "p", "flavorRef": "42", "imageRef": image.id}},
        )
        sid = resp.json()["server"]["id"]
        assert cloudsim.server(sid).host == "host3"


def test_hypervisors_with_servers(cloudsim, nova):
    on_host1 = sorted(cloudsim.servers_on("host1"))
    old = nova.call("GET", "/os-hypervisors/host1/servers", "2.52").json()["hypervisors"]
    assert sorted(s["uuid"] for s in old[0]["servers"]) == on_host1
    assert nova.call("GET", "/os-hypervisors/host1/servers", "2.53").status_code == 404
    new = nova.call(
        "GET", "/os-hypervisors?with_servers=true&hypervisor_hostname_pattern=host1", "2.53"
    ).json()["hypervisors"]
    assert len(new) == 1 and sorted(s["uuid"] for s in new[0]["servers"]) == on_host1
    detail = nova.call("GET", "/os-hypervisors/detail", "2.1").json()["hypervisors"]
    assert {h["hypervisor_hostname"] for h in detail} == {"host1", "host2", "host3"}
    assert all(h["running_vms"] == 2 for h in detail)
    resp = nova.call("GET", "/os-hypervisors/zzz/servers", "2.1")
    assert resp.status_code == 404


def test_flavors(cloudsim_sdk, nova):
    names = {f.name for f in cloudsim_sdk.compute.flavors()}
    assert {"m1.tiny", "m1.small"} <= names
    flavor = nova.call("GET", "/flavors/2", "2.61").json()["flavor"]
    assert flavor["vcpus"] == 1 and flavor["extra_specs"] == {}
    assert nova.call("GET", "/flavors/nope").status_code == 404


@pytest.mark.parametrize(
    ("method", "path", "body", "rule"),
    [
        ("GET", "/os-services", None, "os_compute_api:os-services:list"),
        ("GET", "/os-aggregates", None, "os_compute_api:os-aggregates:index"),
        ("GET", "/os-hypervisors", None, "os_compute_api:os-hypervisors:list"),
        ("GET", "/os-migrations", None, "os_compute_api:os-migrations:index"),
        (
            "GET",
            "/servers/detail?all_tenants=1",
            None,
            "os_compute_api:servers:detail:get_all_tenants",
        ),
    ],
)
def test_tenant_gets_403_on_admin_apis(cloudsim, method, path, body, rule):
    tenant = openstack.connect(**cloudsim.sdk_config(password=True, user="demo"))
    resp = tenant.compute.request(path, method, json=body, raise_exc=False)
    assert resp.status_code == 403
    assert message(resp) == f"Policy doesn't allow {rule} to be performed."


def test_tenant_cannot_evacuate_or_reset_its_server(cloudsim):
    demo = cloudsim.sim.user_by_name("demo")
    mine = cloudsim.sim.add_server("host1", project_id=demo.project_id).id
    tenant = openstack.connect(**cloudsim.sdk_config(password=True, user="demo"))
    for body, rule in (
        ({"evacuate": {}}, "os_compute_api:os-evacuate"),
        ({"os-resetState": {"state": "error"}}, "os_compute_api:os-admin-actions:reset_state"),
    ):
        resp = tenant.compute.request(
            f"/servers/{mine}/action", "POST", json=body, microversion="2.94", raise_exc=False
        )
        assert resp.status_code == 403 and rule in message(resp)


def test_disabling_a_dead_host_nova_still_sees_up_stalls(cloudsim_factory):
    """nova-api makes a blocking RPC call to the compute; force it down first."""
    sim = cloudsim_factory(rpc_response_timeout=1.2, service_down_time=60)
    sim.fail_host("host1")
    http = httpx.Client(base_url=sim.compute_url, headers={"OpenStack-API-Version": "compute 2.53"})
    svc = http.get("/os-services?binary=nova-compute&host=host1").json()["services"][0]
    with pytest.raises(httpx.ReadTimeout):
        http.put(f"/os-services/{svc['id']}", json={"status": "disabled"}, timeout=0.3)
    # forced down in the same request: Nova skips the call
    resp = http.put(
        f"/os-services/{svc['id']}", json={"status": "disabled", "forced_down": True}, timeout=0.5
    )
    assert resp.json()["service"]["state"] == "down"


def test_services_2_53_checks_the_body_before_the_id(nova):
    body = {"host": "host1", "binary": "nova-compute", "forced_down": True}
    resp = nova.call("PUT", "/os-services/force-down", "2.53", body)
    assert resp.status_code == 400
    assert (
        message(resp) == "Additional properties are not allowed ('binary', 'host' were unexpected)"
    )


def test_adding_a_host_leaves_aggregate_updated_at(nova):
    agg = nova.call("POST", "/os-aggregates", "2.41", {"aggregate": {"name": "u"}}).json()
    resp = nova.call(
        "POST",
        f"/os-aggregates/{agg['aggregate']['id']}/action",
        "2.41",
        {"add_host": {"host": "host1"}},
    )
    assert resp.json()["aggregate"]["updated_at"] is None
