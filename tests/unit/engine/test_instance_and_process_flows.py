"""Instance and process failure recovery against the simulated Nova, over real HTTP."""

from __future__ import annotations

import pytest

from masakari_lite.db.states import NotificationStatus as S
from masakari_lite.engine.service import EngineService
from tests.unit.engine import rows
from tests.unit.engine.simworld import World
from tests.unit.engine.support import wait_for_status

CRASH = {"event": "LIFECYCLE", "vir_domain_event": "STOPPED_FAILED"}


@pytest.fixture
def engine(db, engine_conf, nova):
    service = EngineService(engine_conf, nova, url=db)
    service.start()
    yield service
    service.stop()


def _crash(world, server, **payload) -> str:
    world.sim.crash_instance(server)
    body = dict(CRASH, instance_uuid=server, **payload)
    return rows.notification(world.url, world.hosts["host1"], "VM", body)


def test_a_crashed_ha_instance_is_stopped_started_and_confirmed(db, sim, engine):
    world = World(db, sim)
    server = world.server("host1")
    n = _crash(world, server)
    engine.offer(n)
    row = wait_for_status(db, n)
    assert row.status == S.FINISHED, row.message
    assert sim.server(server).vm_state == "active"
    assert sim.server(server).host == "host1"
    assert sim.calls(server, "os-start") == 1
    steps = world.steps(n)
    assert [(name, state) for name, state, _ in steps] == [
        ("StopInstanceTask", "SUCCESS"),
        ("StartInstanceTask", "SUCCESS"),
        ("ConfirmInstanceActiveTask", "SUCCESS"),
    ]
    assert steps[1][2] == [f"Starting instance: '{server}'", f"Instance started: '{server}'"]
    assert steps[2][2][-1] == f"Confirmed instance '{server}' vm_state is ACTIVE"
    assert not world.host_row("host1").on_maintenance


def test_an_instance_without_the_metadata_key_is_left_alone(db, sim, engine):
    world = World(db, sim)
    server = world.server("host1", ha=False)
    n = _crash(world, server)
    engine.offer(n)
    row = wait_for_status(db, n)
    assert row.status == S.FINISHED and "not HA-enabled" in row.message
    assert sim.server(server).vm_state == "stopped"
    assert sim.calls(server, "os-start") == sim.calls(server, "os-stop") == 0
    assert world.steps(n)[0][2] == [
        f"Skipping recovery for instance: {server} as it is not Ha_Enabled"
    ]


def test_process_all_instances_recovers_one_without_the_key(db, sim, engine_conf, nova):
    engine_conf.set_override("process_all_instances", True, group="instance_failure")
    world = World(db, sim)
    server = world.server("host1", ha=False)
    service = EngineService(engine_conf, nova, url=db)
    service.start()
    try:
        n = _crash(world, server)
        service.offer(n)
        assert wait_for_status(db, n).status == S.FINISHED
    finally:
        service.stop()
    assert sim.server(server).vm_state == "active"


def test_the_metadata_value_is_compared_to_true_case_insensitively(db, sim, engine):
    world = World(db, sim)
    yes = world.server("host1", HA_Enabled="TRUE")
    no = world.server("host1", HA_Enabled="nope")
    n_yes = _crash(world, yes)
    engine.offer(n_yes)
    assert wait_for_status(db, n_yes).status == S.FINISHED
    n_no = _crash(world, no)
    engine.offer(n_no)
    assert wait_for_status(db, n_no).status == S.FINISHED
    assert sim.server(yes).vm_state == "active"
    assert sim.server(no).vm_state == "stopped"


def test_a_vanished_instance_is_ignored(db, sim, engine):
    world = World(db, sim)
    n = rows.notification(
        db,
        world.hosts["host1"],
        "VM",
        dict(CRASH, instance_uuid="1" * 8 + "-1111-1111-1111-" + "1" * 12),
    )
    engine.offer(n)
    row = wait_for_status(db, n)
    assert row.status == S.IGNORED and "no longer exists" in row.message


def test_a_stopped_nova_compute_gets_its_service_disabled_and_nothing_else(db, sim, engine):
    world = World(db, sim)
    server = world.server("host1")
    n = rows.notification(
        db, world.hosts["host1"], "PROCESS", {"event": "STOPPED", "process_name": "nova-compute"}
    )
    engine.offer(n)
    row = wait_for_status(db, n)
    assert row.status == S.FINISHED, row.message
    service = sim.cloud.service_by_host_binary("host1", "nova-compute")
    assert service.disabled and service.disabled_reason == "Masakari detected process failed."
    assert not service.forced_down
    assert world.host_row("host1").on_maintenance  # as upstream, by default
    assert sim.server(server).vm_state == "active" and sim.evacuations(server) == 0
    steps = world.steps(n)
    assert [name for name, _, _ in steps] == [
        "DisableComputeNodeTask",
        "ConfirmComputeNodeDisabledTask",
    ]
    assert steps[1][2][-1] == "Confirmed compute service is disabled on host: 'host1'"

    again = rows.notification(
        db,
        world.hosts["host1"],
        "PROCESS",
        {"event": "STOPPED", "process_name": "nova-compute", "n": 2},
    )
    engine.offer(again)
    assert wait_for_status(db, again).status == S.FINISHED
    assert world.steps(again)[0][2][-1] == (
        "Skipping recovery for process nova-compute as it is already disabled"
    )


@pytest.mark.parametrize("process_name", ["nova-compute", "libvirtd"])
def test_set_host_on_maintenance_false_leaves_the_host_alone(
    db, sim, engine_conf, nova, process_name
):
    engine_conf.set_override("set_host_on_maintenance", False, group="process_failure")
    service = EngineService(engine_conf, nova, url=db)
    service.start()
    try:
        world = World(db, sim)
        n = rows.notification(
            db, world.hosts["host1"], "PROCESS", {"event": "STOPPED", "process_name": process_name}
        )
        service.offer(n)
        assert wait_for_status(db, n).status == S.FINISHED
    finally:
        service.stop()
    host = world.host_row("host1")
    assert not host.on_maintenance
    disabled = sim.cloud.service_by_host_binary("host1", "nova-compute").disabled
    assert disabled is (process_name == "nova-compute")
