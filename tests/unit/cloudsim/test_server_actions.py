"""Server lifecycle through openstacksdk: boot, stop/start, reset-state, lock, metadata."""

from __future__ import annotations

import openstack
import pytest

from tests.unit.cloudsim.conftest import message


def _settle(cloudsim, sid: str) -> None:
    cloudsim.wait_for(lambda: cloudsim.cloud.instances[sid].task_state is None, timeout=5)


def test_boot_image_and_volume_backed_then_delete(cloudsim, cloudsim_sdk, nova):
    conn = cloudsim_sdk
    image = next(iter(conn.compute.images()))  # Nova's /images proxy (<= 2.35)
    flavor = conn.compute.find_flavor("m1.tiny")
    server = conn.compute.create_server(
        name="booted",
        image_id=image.id,
        flavor_id=flavor.id,
        networks="none",
        metadata={"HA_Enabled": "True"},
    )
    server = conn.compute.wait_for_server(server, status="ACTIVE", interval=0.05, wait=5)
    assert server.compute_host in ("host1", "host2", "host3")
    assert server.image.id == image.id and server.metadata == {"HA_Enabled": "True"}

    resp = nova.call(
        "POST",
        "/servers",
        "2.74",
        {
            "server": {
                "name": "bfv",
                "flavorRef": "1",
                "networks": "none",
                "host": "host2",
                "block_device_mapping_v2": [
                    {
                        "boot_index": 0,
                        "uuid": image.id,
                        "source_type": "image",
                        "destination_type": "volume",
                        "volume_size": 1,
                    }
                ],
            }
        },
    )
    assert resp.status_code == 202, resp.text
    bfv = resp.json()["server"]["id"]
    _settle(cloudsim, bfv)
    shown = nova.server(bfv, "2.74")
    assert shown["image"] == "" and shown["OS-EXT-SRV-ATTR:host"] == "host2"
    assert len(shown["os-extended-volumes:volumes_attached"]) == 1

    conn.compute.delete_server(server)
    assert nova.call("GET", f"/servers/{server.id}").status_code == 404
    assert server.id not in cloudsim.servers_on(shown["OS-EXT-SRV-ATTR:host"])


def test_boot_errors(nova):
    resp = nova.call("POST", "/servers", "2.94", {"server": {"name": "x", "flavorRef": "1"}})
    assert resp.status_code == 400 and "networks" in message(resp)
    resp = nova.call(
        "POST", "/servers", "2.1", {"server": {"name": "x", "flavorRef": "99", "imageRef": "nope"}}
    )
    assert resp.status_code == 400 and message(resp) == "Flavor 99 could not be found."
    resp = nova.call(
        "POST", "/servers", "2.1", {"server": {"name": "x", "flavorRef": "1", "imageRef": "nope"}}
    )
    assert resp.status_code == 400 and message(resp) == "Can not find requested image"
    assert nova.call("GET", "/images", "2.36").status_code == 404


def test_boot_without_capacity_ends_error(cloudsim_factory):
    sim = cloudsim_factory(hosts=1, instances_per_host=0, host_vcpus=1)
    conn = openstack.connect(**sim.sdk_config())
    image = next(iter(conn.compute.images()))
    ok = conn.compute.create_server(name="a", image_id=image.id, flavor_id="1", networks="none")
    full = conn.compute.create_server(name="b", image_id=image.id, flavor_id="1", networks="none")
    conn.compute.wait_for_server(ok, status="ACTIVE", interval=0.05, wait=5)
    full = conn.compute.get_server(full.id)
    assert full.status == "ERROR" and full.fault["message"].startswith("No valid host was found.")


def test_stop_start_and_reset_state(cloudsim, cloudsim_sdk, nova):
    conn = cloudsim_sdk
    sid = cloudsim.servers_on("host1")[0]
    conn.compute.stop_server(sid)
    assert nova.server(sid)["OS-EXT-STS:task_state"] == "powering-off"
    resp = nova.action(sid, {"os-stop": None})
    assert resp.status_code == 409
    assert message(resp) == f"Cannot 'stop' instance {sid} while it is in task_state powering-off"
    _settle(cloudsim, sid)
    server = nova.server(sid)
    assert (server["status"], server["OS-EXT-STS:power_state"]) == ("SHUTOFF", 4)
    resp = nova.action(sid, {"os-stop": None})
    assert message(resp) == f"Cannot 'stop' instance {sid} while it is in vm_state stopped"
    conn.compute.start_server(sid)
    _settle(cloudsim, sid)
    assert nova.server(sid)["status"] == "ACTIVE"

    conn.compute.reset_server_state(sid, "error")
    assert nova.server(sid)["status"] == "ERROR"
    resp = nova.action(sid, {"os-resetState": {"state": "paused"}})
    assert resp.status_code == 400
    conn.compute.reset_server_state(sid, "active")
    server = nova.server(sid)
    assert (server["status"], server["OS-EXT-STS:task_state"]) == ("ACTIVE", None)


def test_crash_goes_shutoff_without_being_asked(cloudsim, nova):
    sid = cloudsim.servers_on("host2")[0]
    cloudsim.crash_instance(sid)
    server = nova.server(sid)
    assert (server["status"], server["OS-EXT-STS:power_state"]) == ("SHUTOFF", 4)
    assert cloudsim.calls(sid, "os-stop") == 0


def test_lock_with_reason_and_tenant_blocked(cloudsim, nova):
    demo = cloudsim.sim.user_by_name("demo")
    mine = cloudsim.sim.add_server("host1", project_id=demo.project_id).id
    assert nova.action(mine, {"lock": {"locked_reason": "maintenance"}}, "2.73").status_code == 202
    shown = nova.server(mine, "2.73")
    assert shown["locked"] is True and shown["locked_reason"] == "maintenance"
    assert "locked_reason" not in nova.server(mine, "2.72")
    # before 2.73 Nova's schema takes any body for lock and ignores a reason
    assert nova.action(mine, {"lock": {"locked_reason": "x"}}, "2.72").status_code == 202
    assert nova.server(mine, "2.73")["locked_reason"] is None
    assert nova.action(mine, {"lock": {"reason": "x"}}, "2.73").status_code == 400

    tenant = openstack.connect(**cloudsim.sdk_config(password=True, user="demo"))
    resp = tenant.compute.request(
        f"/servers/{mine}/action",
        "POST",
        json={"os-stop": None},
        microversion="2.73",
        raise_exc=False,
    )
    assert resp.status_code == 409 and message(resp) == f"Instance {mine} is locked"
    resp = tenant.compute.request(
        f"/servers/{mine}/action",
        "POST",
        json={"unlock": None},
        microversion="2.73",
        raise_exc=False,
    )
    assert resp.status_code == 403  # locked by an admin
    # an admin is not bound by the lock
    assert nova.action(mine, {"os-stop": None}, "2.73").status_code == 202
    assert nova.action(mine, {"unlock": None}, "2.73").status_code == 202
    assert nova.server(mine, "2.73")["locked"] is False


def test_metadata_roundtrip(cloudsim, cloudsim_sdk, nova):
    sid = cloudsim.servers_on("host3")[0]
    conn = cloudsim_sdk
    assert conn.compute.get_server_metadata(sid).metadata == {"HA_Enabled": "True"}
    conn.compute.set_server_metadata(sid, owner="ops")
    assert nova.call("GET", f"/servers/{sid}/metadata").json() == {
        "metadata": {"HA_Enabled": "True", "owner": "ops"}
    }
    resp = nova.call("PUT", f"/servers/{sid}/metadata", body={"metadata": {"a": "b"}})
    assert resp.json() == {"metadata": {"a": "b"}}
    assert nova.call("GET", f"/servers/{sid}/metadata/a").json() == {"meta": {"a": "b"}}
    assert nova.call("GET", f"/servers/{sid}/metadata/zz").status_code == 404
    resp = nova.call("PUT", f"/servers/{sid}/metadata/a", body={"meta": {"b": "c"}})
    assert resp.status_code == 400 and message(resp) == "Request body and URI mismatch"
    assert nova.call("DELETE", f"/servers/{sid}/metadata/a").status_code == 204
    assert nova.call("GET", f"/servers/{sid}/metadata").json() == {"metadata": {}}


def test_tenant_sees_only_its_servers(cloudsim):
    demo = cloudsim.sim.user_by_name("demo")
    mine = cloudsim.sim.add_server("host2", project_id=demo.project_id, name="mine").id
    tenant = openstack.connect(**cloudsim.sdk_config(password=True, user="demo"))
    assert [s.id for s in tenant.compute.servers()] == [mine]
    other = cloudsim.servers_on("host1")[0]
    with pytest.raises(openstack.exceptions.NotFoundException):
        tenant.compute.get_server(other)
    with pytest.raises(openstack.exceptions.ForbiddenException):
        list(tenant.compute.servers(all_projects=True))
    server = tenant.compute.get_server(mine)
    assert server.compute_host is None  # OS-EXT-SRV-ATTR:* is for admins


def test_paging_marker_and_limits(cloudsim, nova):
    resp = nova.call("GET", "/servers/detail?all_tenants=1&limit=4")
    page = resp.json()
    assert len(page["servers"]) == 4
    nxt = page["servers_links"][0]["href"]
    assert "marker=" + page["servers"][-1]["id"] in nxt and nxt.startswith(cloudsim.compute_url)
    rest = nova.conn.session.get(nxt, headers={"X-Auth-Token": "admin"}).json()
    assert len(rest["servers"]) == 2 and "servers_links" not in rest
    ids = [s["id"] for s in page["servers"] + rest["servers"]]
    assert len(set(ids)) == 6
    assert nova.call("GET", "/servers/detail?marker=bogus").status_code == 400
    assert nova.call("GET", "/servers/detail?limit=-1").status_code == 400
    resp = nova.call("GET", "/servers?all_tenants=1&host=host1")
    assert sorted(s["id"] for s in resp.json()["servers"]) == sorted(cloudsim.servers_on("host1"))
