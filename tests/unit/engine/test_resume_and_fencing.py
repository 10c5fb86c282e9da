"""A host flow that resumes on another engine, and one that fences with IPMI first."""

from __future__ import annotations

import json
import time

from masakari_lite.db.states import NotificationStatus as S
from masakari_lite.engine.service import EngineService
from tests.unit.engine.simworld import World
from tests.unit.engine.support import wait_for_status
from tests.unit.engine.test_fencing import bmc  # noqa: F401 - a fixture


def _wait(predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


def test_a_stopped_engine_hands_over_and_nothing_is_evacuated_twice(db, sim, engine_conf, nova):
    engine_conf.set_override("host_failure_recovery_threads", 2)
    sim.configure(evacuation_time=1.0)
    world = World(db, sim)
    servers = [world.server("host1") for _ in range(5)]
    first = EngineService(engine_conf, nova, url=db)
    first.start()
    n = world.host_down("host1")
    first.offer(n)
    # Stop it while evacuations are in flight: some done, some ongoing, some pending.
    _wait(lambda: sum(sim.evacuations(s) for s in servers) >= 3)
    first.stop()
    statuses = {v.status for v in world.vmoves(n).values()}
    assert "ongoing" in statuses or "pending" in statuses
    assert rows_status(db, n) == S.RUNNING

    second = EngineService(engine_conf, nova, url=db)
    second.start()
    try:
        second.offer(n)
        row = wait_for_status(db, n)
    finally:
        second.stop()
    assert row.status == S.FINISHED, row.message
    assert row.attempt == 2
    for server in servers:
        assert sim.evacuations(server) == 1, "exactly one evacuation per instance"
        assert sim.server(server).host != "host1" and sim.server(server).vm_state == "active"
    assert {v.status for v in world.vmoves(n).values()} == {"succeeded"}
    names = [name for name, _, _ in world.steps(n)]
    assert names.count("EvacuateInstancesTask") == 1


def rows_status(db, n):
    from tests.unit.engine import rows

    return rows.get(db, n).status


def test_ipmi_fencing_lets_an_unknown_host_be_recovered(db, sim, engine_conf, nova, bmc):  # noqa: F811
    engine_conf.set_override("driver", "ipmi", group="fencing")
    world = World(db, sim)
    server = world.server("host1")
    with_bmc = json.dumps({"address": "10.1.1.1", "username": "u", "password": "p"})
    from masakari_lite.db.models import Host
    from masakari_lite.db.session import session_scope

    with session_scope(db) as s:
        s.query(Host).filter_by(name="host1").update({"control_attributes": with_bmc})
    service = EngineService(engine_conf, nova, url=db)
    service.start()
    try:
        n = world.host_down("host1", host_status="UNKNOWN")
        service.offer(n)
        row = wait_for_status(db, n)
    finally:
        service.stop()
    assert row.status == S.FINISHED, row.message
    assert sim.server(server).host != "host1"
    fence = world.steps(n)[0]
    assert fence[0] == "FenceComputeHostTask" and "powered off (IPMI)" in fence[2][-1]
    assert ["chassis", "power", "off"] == bmc.read()["calls"][0]["args"][-3:]


def test_no_evacuation_while_fencing_is_unconfirmed(db, sim, engine_conf, nova, bmc):  # noqa: F811
    engine_conf.set_override("driver", "ipmi", group="fencing")
    engine_conf.set_override("max_notification_attempts", 1)
    bmc.set(broken=True)
    world = World(db, sim)
    server = world.server("host1")
    service = EngineService(engine_conf, nova, url=db)
    service.start()
    try:
        n = world.host_down("host1", host_status="UNKNOWN")
        service.offer(n)
        row = wait_for_status(db, n)
    finally:
        service.stop()
    assert row.status == S.FAILED and "unconfirmed" in row.message
    assert sim.evacuations(server) == 0
    assert not sim.cloud.service_by_host_binary("host1", "nova-compute").forced_down
    assert [name for name, _, _ in world.steps(n)] == ["FenceComputeHostTask"]
