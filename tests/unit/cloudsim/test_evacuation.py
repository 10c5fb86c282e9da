"""A whole host failure driven through real openstacksdk over HTTP, and evacuate's rules."""

from __future__ import annotations

import openstack
import pytest

from tests.unit.cloudsim.conftest import message, settled


def _wait_down(cloudsim, nova, host: str) -> None:
    cloudsim.wait_for(lambda: nova.service(host)["state"] == "down", timeout=5)


def _wait_settled(cloudsim, server_id: str) -> None:
    settled(cloudsim, server_id)


def _host1_forced_down(sim):
    """A client of ``sim``'s Nova and a server of host1, once host1 is dead and forced down."""
    from tests.unit.cloudsim.conftest import Nova

    nova = Nova(openstack.connect(**sim.sdk_config()))
    sid = sim.servers_on("host1")[0]
    sim.fail_host("host1")
    nova.call("PUT", f"/os-services/{nova.service('host1')['id']}", "2.53", {"forced_down": True})
    return nova, sid


def test_host_failure_evacuation_end_to_end(cloudsim_factory):
    sim = cloudsim_factory(hosts=3, instances_per_host=5)
    conn = openstack.connect(**sim.sdk_config())
    from tests.unit.cloudsim.conftest import Nova

    nova = Nova(conn)
    sim.fail_host("host1")
    svc = next(conn.compute.services(host="host1", binary="nova-compute"))
    # disable then force down (2.53 PUT by uuid) as an HA engine does
    conn.compute.disable_service(svc, disabled_reason="instance HA: host1 failed")
    conn.compute.update_service_forced_down(svc, forced=True)
    after = nova.service("host1")
    assert (after["status"], after["state"], after["forced_down"]) == ("disabled", "down", True)
    assert after["disabled_reason"] == "instance HA: host1 failed"

    # all servers of the host across pages of 2 (servers_links next)
    first = nova.call("GET", "/servers/detail?all_tenants=1&host=host1&limit=2", "2.94").json()
    assert len(first["servers"]) == 2 and first["servers_links"][0]["rel"] == "next"
    listed = list(conn.compute.servers(all_projects=True, compute_host="host1", limit=2))
    assert sorted(s.id for s in listed) == sorted(sim.servers_on("host1"))
    assert len(listed) == 5

    scheduled, targeted, stopped = listed[0], listed[1], listed[2]
    conn.compute.stop_server(stopped)  # the cast reaches no one: the host is dead
    resp = nova.action(scheduled.id, {"evacuate": {}}, "2.94")
    assert resp.status_code == 200 and not resp.content
    resp = nova.action(targeted.id, {"evacuate": {"host": "host3"}}, "2.94")
    assert resp.status_code == 200
    for sid in (scheduled.id, targeted.id):
        _wait_settled(sim, sid)
    moved = nova.server(scheduled.id, "2.94")
    assert moved["OS-EXT-SRV-ATTR:host"] in ("host2", "host3")
    assert (moved["status"], moved["OS-EXT-STS:power_state"]) == ("ACTIVE", 1)
    assert nova.server(targeted.id, "2.94")["OS-EXT-SRV-ATTR:host"] == "host3"
    # a stuck task_state blocks evacuation until reset-state, as in Nova
    resp = nova.action(stopped.id, {"evacuate": {}}, "2.94")
    assert resp.status_code == 409
    assert message(resp) == (
        f"Cannot 'evacuate' instance {stopped.id} while it is in task_state powering-off"
    )
    assert sim.evacuations(scheduled.id) == 1 and sim.evacuations(targeted.id) == 1
    assert sim.calls(stopped.id, "evacuate") == 1 and sim.evacuations(stopped.id) == 0

    migrations = nova.call("GET", "/os-migrations?migration_type=evacuation", "2.59").json()
    done = {m["instance_uuid"]: m for m in migrations["migrations"]}
    assert done[targeted.id]["status"] == "done"
    assert done[targeted.id]["dest_compute"] == "host3"
    assert done[targeted.id]["source_compute"] == "host1"

    # forcing the service up is refused while `done` evacuations remain
    resp = nova.call("PUT", f"/os-services/{svc.id}", "2.53", {"forced_down": False})
    assert resp.status_code == 400 and "`done` evacuation" in message(resp)

    # host1 boots: evacuated guests are destroyed and the records completed
    sim.recover_host("host1")
    with sim.sim.session():
        guests = sim.sim.hosts["host1"].guests
        assert scheduled.id not in guests and targeted.id not in guests
    migrations = nova.call("GET", f"/os-migrations?instance_uuid={targeted.id}", "2.59").json()
    assert migrations["migrations"][0]["status"] == "completed"
    resp = nova.call("PUT", f"/os-services/{svc.id}", "2.53", {"forced_down": False})
    assert resp.status_code == 200 and resp.json()["service"]["state"] == "up"
    resp = nova.call("PUT", f"/os-services/{svc.id}", "2.53", {"status": "enabled"})
    assert resp.json()["service"]["status"] == "enabled"
    assert resp.json()["service"]["disabled_reason"] is None


def test_evacuate_refused_while_source_up(cloudsim, nova):
    sid = cloudsim.servers_on("host1")[0]
    resp = nova.action(sid, {"evacuate": {}}, "2.94")
    assert resp.status_code == 400
    assert message(resp) == "Compute service of host1 is still in use."
    assert cloudsim.calls(sid, "evacuate") == 1 and cloudsim.evacuations(sid) == 0


def test_evacuate_allowed_once_heartbeat_times_out(cloudsim, nova):
    sid = cloudsim.servers_on("host1")[0]
    cloudsim.fail_host("host1")
    assert nova.service("host1")["state"] == "up"  # not yet: service_down_time
    assert nova.action(sid, {"evacuate": {}}, "2.94").status_code == 400
    _wait_down(cloudsim, nova, "host1")
    assert nova.action(sid, {"evacuate": {}}, "2.94").status_code == 200


def test_evacuate_at_2_95_ends_shutoff(cloudsim, nova):
    sid = cloudsim.servers_on("host2")[0]
    cloudsim.fail_host("host2")
    svc = nova.service("host2")
    nova.call("PUT", f"/os-services/{svc['id']}", "2.53", {"forced_down": True})
    assert nova.action(sid, {"evacuate": {}}, "2.95").status_code == 200
    during = nova.server(sid, "2.95")
    assert during["status"] == "REBUILD"
    _wait_settled(cloudsim, sid)
    after = nova.server(sid, "2.95")
    assert during["OS-EXT-SRV-ATTR:host"] == "host2"
    assert after["OS-EXT-SRV-ATTR:host"] != "host2"
    assert (after["status"], after["OS-EXT-STS:vm_state"]) == ("SHUTOFF", "stopped")
    assert after["OS-EXT-STS:power_state"] == 4


def test_evacuate_target_validation(cloudsim, nova):
    sid = cloudsim.servers_on("host1")[0]
    cloudsim.fail_host("host1")
    svc = nova.service("host1")
    nova.call("PUT", f"/os-services/{svc['id']}", "2.53", {"forced_down": True})
    resp = nova.action(sid, {"evacuate": {"host": "nohost"}}, "2.94")
    assert resp.status_code == 404 and message(resp) == "Compute host nohost not found."
    resp = nova.action(sid, {"evacuate": {"host": "host1"}}, "2.94")
    assert resp.status_code == 400
    assert message(resp) == "The target host can't be the same one."
    resp = nova.action(sid, {"evacuate": {"force": True}}, "2.94")
    assert resp.status_code == 400  # force was removed in 2.68
    resp = nova.action(sid, {"evacuate": {"force": True}}, "2.29")
    assert message(resp) == "Can't force to a non-provided destination"
    resp = nova.action(sid, {"evacuate": {}}, "2.13")
    assert resp.status_code == 400 and "onSharedStorage" in message(resp)


def test_evacuate_to_disabled_target_ends_no_valid_host(cloudsim, nova):
    sid = cloudsim.servers_on("host1")[0]
    cloudsim.fail_host("host1")
    for host in ("host1", "host3"):
        svc = nova.service(host)
        nova.call("PUT", f"/os-services/{svc['id']}", "2.53", {"status": "disabled"})
    nova.call("PUT", f"/os-services/{nova.service('host1')['id']}", "2.53", {"forced_down": True})
    # Nova accepts, then its scheduler finds no valid host: ERROR, still on the source
    assert nova.action(sid, {"evacuate": {"host": "host3"}}, "2.94").status_code == 200
    _wait_settled(cloudsim, sid)
    server = nova.server(sid, "2.94")
    assert server["status"] == "ERROR" and server["OS-EXT-SRV-ATTR:host"] == "host1"
    assert server["fault"]["message"].startswith("No valid host was found.")
    migs = nova.call("GET", f"/os-migrations?instance_uuid={sid}", "2.59").json()["migrations"]
    assert migs[0]["status"] == "error"


def test_old_microversion_evacuate_with_shared_storage_flag(cloudsim, nova):
    first, second = cloudsim.servers_on("host1")
    cloudsim.fail_host("host1")
    nova.call(
        "PUT",
        "/os-services/force-down",
        "2.11",
        {"host": "host1", "binary": "nova-compute", "forced_down": True},
    )
    resp = nova.action(first, {"evacuate": {"onSharedStorage": False}}, "2.1")
    assert resp.status_code == 200 and resp.json()["adminPass"]
    # the cloud has no shared storage: claiming it fails the rebuild, as on a real cloud
    resp = nova.action(second, {"evacuate": {"host": "host2", "onSharedStorage": True}}, "2.1")
    assert resp.status_code == 200
    _wait_settled(cloudsim, first)
    _wait_settled(cloudsim, second)
    assert nova.server(first)["status"] == "ACTIVE"
    failed = nova.server(second)
    assert failed["status"] == "ERROR"
    assert failed["fault"]["message"] == "Invalid state of instance files on shared storage"


def test_evacuation_concurrency_queues_and_slow_evacuation(cloudsim_factory):
    sim = cloudsim_factory(
        hosts=2, instances_per_host=3, evacuation_concurrency=1, evacuation_time=0.2
    )
    from tests.unit.cloudsim.conftest import Nova

    nova = Nova(openstack.connect(**sim.sdk_config()))
    sim.fail_host("host1")
    svc = nova.service("host1")
    nova.call("PUT", f"/os-services/{svc['id']}", "2.53", {"forced_down": True})
    ids = sim.servers_on("host1")
    for sid in ids:
        assert nova.action(sid, {"evacuate": {}}, "2.94").status_code == 200
    with sim.sim.session():
        assert sim.sim.evacuations_running == 1 and sim.sim.evacuations_queued == 2
        hosts = {sim.sim.instances[sid].host for sid in ids}
        tasks = sorted(sim.sim.instances[sid].task_state for sid in ids)
    # a server changes host only once its rebuild is done, as in Nova
    assert hosts == {"host1"}
    assert tasks == ["rebuilding", "rebuilding", "rebuilding"]
    with sim.sim.session():
        migs = sorted(m.status for m in sim.sim.migrations.values())
    assert migs == ["accepted", "accepted", "pre-migrating"]
    for sid in ids:
        settled(sim, sid)
    assert {nova.server(s, "2.94")["OS-EXT-SRV-ATTR:host"] for s in ids} == {"host2"}
    assert all(sim.evacuations(s) == 1 for s in ids)


def test_recovered_host_stops_guests_that_died_with_it(cloudsim, nova):
    sid = cloudsim.servers_on("host3")[0]
    cloudsim.fail_host("host3")
    cloudsim.recover_host("host3")
    server = nova.server(sid)
    assert (server["status"], server["OS-EXT-STS:power_state"]) == ("SHUTOFF", 4)


def test_unknown_server_is_404(nova):
    resp = nova.action("1b7c9a8e-0000-4000-8000-000000000000", {"evacuate": {}}, "2.94")
    assert resp.status_code == 404
    assert message(resp) == "Instance 1b7c9a8e-0000-4000-8000-000000000000 could not be found."


@pytest.mark.parametrize("mv", ["2.14", "2.29", "2.53", "2.68"])
def test_evacuate_with_target_across_microversions(cloudsim, nova, mv):
    sid = cloudsim.servers_on("host1")[0]
    cloudsim.fail_host("host1")
    nova.call("PUT", f"/os-services/{nova.service('host1')['id']}", "2.53", {"forced_down": True})
    resp = nova.action(sid, {"evacuate": {"host": "host2"}}, mv)
    assert resp.status_code == 200 and not resp.content
    _wait_settled(cloudsim, sid)
    assert nova.server(sid, mv)["OS-EXT-SRV-ATTR:host"] == "host2"


def test_evacuate_error_server_at_2_95_ends_active(cloudsim, nova):
    sid = cloudsim.servers_on("host2")[0]
    nova.action(sid, {"os-resetState": {"state": "error"}})
    cloudsim.fail_host("host2")
    nova.call("PUT", f"/os-services/{nova.service('host2')['id']}", "2.53", {"forced_down": True})
    assert nova.action(sid, {"evacuate": {}}, "2.95").status_code == 200
    _wait_settled(cloudsim, sid)
    # the 2.95 target state does not apply to a server that was in ERROR
    assert nova.server(sid, "2.95")["status"] == "ACTIVE"


def test_source_recovering_mid_evacuation_completes_the_record(cloudsim_factory):
    sim = cloudsim_factory(evacuation_time=0.3)
    nova, sid = _host1_forced_down(sim)
    assert nova.action(sid, {"evacuate": {}}, "2.94").status_code == 200
    sim.recover_host("host1")
    with sim.sim.session():
        assert sid not in sim.sim.hosts["host1"].guests
    migs = nova.call("GET", f"/os-migrations?instance_uuid={sid}", "2.59").json()["migrations"]
    assert migs[0]["status"] == "completed"
    _wait_settled(sim, sid)
    assert nova.server(sid, "2.94")["OS-EXT-SRV-ATTR:host"] != "host1"


def test_task_state_clears_before_the_host_switches(cloudsim_factory):
    """Real Nova's window: rebuild done (task_state None) while host is still the source."""
    sim = cloudsim_factory(evacuation_host_switch_lag=0.3)
    nova, sid = _host1_forced_down(sim)
    assert nova.action(sid, {"evacuate": {}}, "2.94").status_code == 200
    sim.wait_for(lambda: sim.cloud.instances[sid].task_state is None, timeout=5)
    window = nova.server(sid, "2.94")
    mig = nova.call("GET", f"/os-migrations?instance_uuid={sid}", "2.59").json()["migrations"][0]
    assert (window["OS-EXT-SRV-ATTR:host"], window["status"]) == ("host1", "ACTIVE")
    assert mig["status"] == "pre-migrating"
    settled(sim, sid)
    assert nova.server(sid, "2.94")["OS-EXT-SRV-ATTR:host"] != "host1"


def test_destination_dying_mid_rebuild_leaves_the_server_rebuilding(cloudsim_factory):
    sim = cloudsim_factory(evacuation_time=0.3)
    nova, sid = _host1_forced_down(sim)
    assert nova.action(sid, {"evacuate": {"host": "host2"}}, "2.94").status_code == 200
    sim.fail_host("host2")
    settled_or_stuck = lambda: not sim.cloud.evacuating(sid)  # noqa: E731
    sim.wait_for(settled_or_stuck, timeout=5)
    server = nova.server(sid, "2.94")
    assert (server["status"], server["OS-EXT-STS:task_state"]) == ("REBUILD", "rebuilding")
    assert server["OS-EXT-SRV-ATTR:host"] == "host1"
    # only a reset-state gets it out, then it can be evacuated elsewhere
    assert nova.action(sid, {"evacuate": {}}, "2.94").status_code == 409
    nova.action(sid, {"os-resetState": {"state": "error"}})
    assert nova.action(sid, {"evacuate": {"host": "host3"}}, "2.94").status_code == 200
    settled(sim, sid)
    assert nova.server(sid, "2.94")["OS-EXT-SRV-ATTR:host"] == "host3"


def test_second_evacuate_in_the_window_fails_on_the_destination(cloudsim_factory):
    """Real Nova accepts it (task_state None, host still the source); the rebuild then
    finds the guest already on the destination: ERROR there, migration failed."""
    sim = cloudsim_factory(evacuation_host_switch_lag=0.4, evacuation_time=0.2)
    nova, sid = _host1_forced_down(sim)
    assert nova.action(sid, {"evacuate": {"host": "host2"}}, "2.94").status_code == 200
    sim.wait_for(lambda: sim.cloud.instances[sid].task_state is None, timeout=5)
    assert nova.action(sid, {"evacuate": {"host": "host2"}}, "2.94").status_code == 200
    settled(sim, sid)
    server = nova.server(sid, "2.94")
    assert (server["status"], server["OS-EXT-SRV-ATTR:host"]) == ("ERROR", "host2")
    assert server["fault"]["message"].endswith("already exists.")
    migs = nova.call("GET", f"/os-migrations?instance_uuid={sid}", "2.59").json()["migrations"]
    assert sorted(mg["status"] for mg in migs) == ["done", "failed"]
    assert sim.evacuations(sid) == 2


def test_evacuation_passes_through_novas_task_states(cloudsim_factory):
    sim = cloudsim_factory(
        evacuation_time=0.6, evacuation_host_switch_lag=0.2, evacuation_stop_time=0.2
    )
    nova, sid = _host1_forced_down(sim)
    assert nova.action(sid, {"evacuate": {}}, "2.95").status_code == 200
    seen = []
    while sim.cloud.evacuating(sid):
        s = nova.server(sid, "2.95")
        step = (
            s["OS-EXT-SRV-ATTR:host"],
            s["status"],
            s["OS-EXT-STS:task_state"],
            s["OS-EXT-STS:power_state"],
        )
        if not seen or seen[-1] != step:
            seen.append(step)
    s = nova.server(sid, "2.95")
    seen.append(
        (
            s["OS-EXT-SRV-ATTR:host"],
            s["status"],
            s["OS-EXT-STS:task_state"],
            s["OS-EXT-STS:power_state"],
        )
    )
    assert seen[0] == ("host1", "REBUILD", "rebuilding", 1)
    assert ("host1", "REBUILD", "rebuild_block_device_mapping", 0) in seen
    assert ("host1", "ACTIVE", "powering-off", 1) in seen  # rebuilt, still on the source
    assert ("host1", "SHUTOFF", None, 4) in seen  # stopped, not yet moved
    assert seen[-1][1:] == ("SHUTOFF", None, 4) and seen[-1][0] != "host1"
