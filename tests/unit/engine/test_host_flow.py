"""Host failure recovery against the simulated Nova, over real HTTP."""

from __future__ import annotations

import pytest

from masakari_lite.db.states import NotificationStatus as S
from masakari_lite.engine.service import EngineService
from tests.unit.engine.simworld import World
from tests.unit.engine.support import wait_for_status


@pytest.fixture
def engine(db, engine_conf, nova):
    service = EngineService(engine_conf, nova, url=db)
    service.start()
    yield service
    service.stop()


def _on(sim, server_id):
    server = sim.server(server_id)
    return server.host, server.vm_state, server.task_state, server.locked


def test_auto_evacuates_ha_instances_once_and_restores_their_power_state(db, sim, engine):
    world = World(db, sim)
    active = [world.server("host1") for _ in range(4)]
    stopped = world.server("host1", vm_state="stopped")
    plain = world.server("host1", ha=False)
    locked_before = world.server("host1")
    sim.cloud.lock_server(sim.server(locked_before), by_admin=True, reason="owner's lock")

    n = world.host_down("host1")
    engine.offer(n)
    row = wait_for_status(db, n)
    assert row.status == S.FINISHED, row.message

    for server in active + [locked_before]:
        host, vm_state, task_state, _ = _on(sim, server)
        assert host in ("host2", "host3") and vm_state == "active" and task_state is None
        assert sim.evacuations(server) == 1
    assert _on(sim, stopped)[:2][1] == "stopped" and _on(sim, stopped)[0] != "host1"
    assert not any(_on(sim, s)[3] for s in active + [stopped]), "unlocked at the end"
    assert _on(sim, locked_before)[3], "a lock we did not take stays"
    assert _on(sim, plain)[0] == "host1" and sim.evacuations(plain) == 0, "opt-in by default"

    moves = world.vmoves(n)
    assert set(moves) == set(active + [stopped, locked_before])
    assert {m.status for m in moves.values()} == {"succeeded"}
    assert all(m.dest_host in ("host2", "host3") and m.attempt == 1 for m in moves.values())

    host = world.host_row("host1")
    assert host.on_maintenance
    service = sim.cloud.service_by_host_binary("host1", "nova-compute")
    assert service.disabled and service.forced_down
    assert service.disabled_reason == "Masakari detected host failed."

    steps = world.steps(n)
    assert [name for name, _, _ in steps] == [
        "FenceComputeHostTask",
        "DisableComputeServiceTask",
        "PrepareHAEnabledInstancesTask",
        "EvacuateInstancesTask",
    ]
    assert {state for _, state, _ in steps} == {"SUCCESS"}
    disable = steps[1][2]
    assert disable == [
        "Disabling compute service on host: 'host1'",
        "Disabled compute service on host: 'host1'",
    ]
    prepare = steps[2][2]
    assert "Total instances running on failed host 'host1' is 7" in prepare
    assert "Total HA Enabled instances count: '6'" in prepare
    evacuate = steps[3][2]
    assert evacuate[0].startswith("Start evacuation of instances from failed host 'host1'")
    assert evacuate[-1] == "Evacuation process completed!"
    assert sum(m.startswith("Evacuation of instance started") for m in evacuate) == 6


def test_evacuate_all_instances_and_error_state_filter(db, sim, engine_conf, nova):
    engine_conf.set_override("evacuate_all_instances", True, group="host_failure")
    engine_conf.set_override("ignore_instances_in_error_state", True, group="host_failure")
    world = World(db, sim)
    plain = world.server("host1", ha=False)
    broken = world.server("host1", vm_state="error")
    ha = world.server("host1")
    service = EngineService(engine_conf, nova, url=db)
    service.start()
    try:
        n = world.host_down("host1")
        service.offer(n)
        assert wait_for_status(db, n).status == S.FINISHED
    finally:
        service.stop()
    assert _on(sim, plain)[0] != "host1" and _on(sim, ha)[0] != "host1"
    assert _on(sim, broken)[0] == "host1" and sim.evacuations(broken) == 0
    prepare = world.steps(n)[2][2]
    assert f"Ignoring recovery of HA_Enabled instance '{broken}' as it is in 'error' state." in (
        prepare
    )


def test_no_instances_to_evacuate_finishes(db, sim, engine):
    world = World(db, sim)
    world.server("host1", ha=False)
    n = world.host_down("host1")
    engine.offer(n)
    row = wait_for_status(db, n)
    assert row.status == S.FINISHED
    assert "no instances needs to be evacuated" in row.message


def test_reserved_host_is_taken_enabled_aggregated_and_used(db, sim, engine_conf, nova):
    engine_conf.set_override("add_reserved_host_to_aggregate", True, group="host_failure")
    with sim.cloud.session():
        agg = sim.cloud.create_aggregate("fast-disks")
        sim.cloud.aggregate_add_host(agg.id, "host1")
        rh = sim.cloud.service_by_host_binary("host3", "nova-compute")
        sim.cloud.update_service(rh, disabled=True, reason="reserved")
    world = World(db, sim, "reserved_host", reserved=("host3",))
    servers = [world.server("host1") for _ in range(3)]
    service = EngineService(engine_conf, nova, url=db)
    service.start()
    try:
        n = world.host_down("host1")
        service.offer(n)
        assert wait_for_status(db, n).status == S.FINISHED
    finally:
        service.stop()
    assert {_on(sim, s)[0] for s in servers} == {"host3"}
    assert not world.host_row("host3").reserved
    assert not sim.cloud.service_by_host_binary("host3", "nova-compute").disabled
    with sim.cloud.session():
        assert "host3" in sim.cloud.get_aggregate(agg.id).hosts
    evacuate = world.steps(n)[3][2]
    assert "Enabling reserved host: 'host3'" in evacuate
    assert "Add host host3 to aggregate fast-disks" in evacuate


def test_two_failures_never_take_the_same_reserved_host(db, sim, engine_conf, nova):
    sim.cloud.add_host("host4")
    world = World(db, sim, "rh_priority", reserved=("host3",))
    first = [world.server("host1") for _ in range(2)]
    second = [world.server("host2") for _ in range(2)]
    service = EngineService(engine_conf, nova, url=db)
    service.start()
    try:
        n1, n2 = world.host_down("host1"), world.host_down("host2")
        service.offer(n1)
        service.offer(n2)
        assert wait_for_status(db, n1).status == S.FINISHED
        assert wait_for_status(db, n2).status == S.FINISHED
    finally:
        service.stop()
    took = ["Enabling reserved host: 'host3'" in world.steps(n)[3][2] for n in (n1, n2)]
    assert sorted(took) == [False, True], "exactly one flow took the reserved host"
    winner, loser = (first, n2) if took[0] else (second, n1)
    assert {_on(sim, s)[0] for s in winner} == {"host3"}
    assert "No reserved host is available." in world.steps(loser)[3][2]
    assert not world.host_row("host3").reserved


def test_auto_priority_falls_back_per_instance_to_the_reserved_host(db, sim, engine_conf, nova):
    with sim.cloud.session():
        # No room anywhere for the scheduler: host2 disabled, host3 (reserved) disabled.
        for name in ("host2", "host3"):
            svc = sim.cloud.service_by_host_binary(name, "nova-compute")
            sim.cloud.update_service(svc, disabled=True, reason="full")
    world = World(db, sim, "auto_priority", reserved=("host3",))
    servers = [world.server("host1") for _ in range(2)]
    service = EngineService(engine_conf, nova, url=db)
    service.start()
    try:
        n = world.host_down("host1")
        service.offer(n)
        row = wait_for_status(db, n)
        assert row.status == S.FINISHED, row.message
    finally:
        service.stop()
    assert {_on(sim, s)[0] for s in servers} == {"host3"}
    # one evacuation the scheduler could not place, then one to the reserved host
    assert all(sim.evacuations(s) == 2 for s in servers)
    assert all(_on(sim, s)[1] == "active" for s in servers)


def test_reserved_host_is_given_back_when_nothing_lands(db, sim, engine_conf, nova):
    with sim.cloud.session():
        rh = sim.cloud.service_by_host_binary("host3", "nova-compute")
        sim.cloud.update_service(rh, disabled=True, reason="reserved")
    world = World(db, sim, "reserved_host", reserved=("host3",))
    server = world.server("host1")
    sim.add_fault(op="servers.action.evacuate", status=400, message="No valid host was found.")
    n, row = _fail_once(db, sim, engine_conf, nova, world)
    assert row.status == S.FAILED
    assert "Failed to evacuate instances" in row.message
    assert world.vmoves(n)[server].status == "failed"
    assert world.host_row("host3").reserved, "given back"
    assert sim.cloud.service_by_host_binary("host3", "nova-compute").disabled
    assert "given back" in " ".join(world.steps(n)[3][2])


def test_unknown_host_status_is_ignored_without_fencing(db, sim, engine):
    world = World(db, sim)
    server = world.server("host1")
    n = world.host_down("host1", host_status="UNKNOWN")
    engine.offer(n)
    row = wait_for_status(db, n)
    assert row.status == S.IGNORED
    assert sim.evacuations(server) == 0
    assert not world.host_row("host1").on_maintenance


def test_a_server_deleted_mid_evacuation_is_ignored(db, sim, engine):
    import time

    sim.configure(evacuation_time=1.0)
    world = World(db, sim)
    keep, gone = world.server("host1"), world.server("host1")
    n = world.host_down("host1")
    engine.offer(n)
    deadline = time.monotonic() + 10
    while sim.evacuations(gone) == 0:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    with sim.cloud.session():
        sim.cloud.delete_server(sim.cloud.get_instance(gone))
    row = wait_for_status(db, n)
    assert row.status == S.FINISHED, row.message
    moves = world.vmoves(n)
    assert moves[gone].status == "ignored" and "no longer exists" in moves[gone].message
    assert moves[keep].status == "succeeded"


def _fail_once(db, sim, engine_conf, nova, world, host="host1"):
    """Run one attempt of a host failure to its end; the notification's row."""
    engine_conf.set_override("max_notification_attempts", 1)
    service = EngineService(engine_conf, nova, url=db)
    service.start()
    try:
        n = world.host_down(host)
        service.offer(n)
        return n, wait_for_status(db, n)
    finally:
        service.stop()


def test_an_evacuation_that_never_lands_is_recorded_as_a_timeout(db, sim, engine_conf, nova):
    engine_conf.set_override("wait_period_after_evacuation", 1)
    sim.configure(evacuation_time=30)
    world = World(db, sim)
    server = world.server("host1")
    n, row = _fail_once(db, sim, engine_conf, nova, world)
    assert row.status == S.FAILED
    assert world.vmoves(n)[server].message == "Failed reason: timeout."


def test_a_nova_refusal_that_mentions_a_timeout_keeps_its_own_text(db, sim, engine_conf, nova):
    sim.add_fault(op="servers.action.evacuate", status=400, message="Timed out waiting for a host.")
    world = World(db, sim)
    server = world.server("host1")
    n, row = _fail_once(db, sim, engine_conf, nova, world)
    assert row.status == S.FAILED
    message = world.vmoves(n)[server].message
    assert "Timed out waiting for a host." in message and "-> 400" in message


def test_the_compute_service_is_read_once_when_its_updates_say_it_is_down(db, sim, engine):
    world = World(db, sim)
    world.server("host1")
    sim.cloud.reset_counters()
    n = world.host_down("host1")
    engine.offer(n)
    row = wait_for_status(db, n)
    assert row.status == S.FINISHED, row.message
    # one read, then the force-down and the disable answer with the service itself
    assert sim.cloud.op_calls["os-services.index"] == 1
    assert sim.cloud.op_calls["os-services.update"] == 2
