"""The engine end to end: masakari-lite-api + masakari-lite-engine processes, PostgreSQL,
RabbitMQ, and the cloud simulator as Nova over real HTTP."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import create_engine, text

from masakari_lite.cloudsim import CloudSim
from tests.e2e.engine_stack import Stack
from tests.fixtures.services import PG_ADMIN_URL, _fresh_database, need

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def pg_module_url():
    need("PostgreSQL", "127.0.0.1", 5432)
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    url, drop = _fresh_database(PG_ADMIN_URL, lambda name: f"{base}/{name}")
    yield url
    drop()


@pytest.fixture(scope="module")
def sim():
    cloud = CloudSim(
        hosts=0,
        instances_per_host=0,
        service_down_time=60,
        evacuation_time=0.2,
        stop_time=0.05,
        start_time=0.05,
        boot_time=0.05,
    ).start()
    yield cloud
    cloud.stop()


@pytest.fixture(scope="module")
def stack(tmp_path_factory, pg_module_url, sim):
    need("RabbitMQ", "127.0.0.1", 5672)
    from tests.fixtures.services import RABBIT_URL

    s = Stack(tmp_path_factory.mktemp("engine-e2e"), pg_module_url, RABBIT_URL, sim)
    s.start_api()
    s.start_engine("engine-a")
    s.start_engine("engine-b")
    yield s
    s.stop()


_names = iter(range(1, 10_000))


def _hosts(sim, count: int, prefix: str = "cmp") -> list[str]:
    names = []
    for _ in range(count):
        name = f"{prefix}{next(_names)}"
        sim.cloud.add_host(name)
        names.append(name)
    return names


def _servers(sim, host: str, count: int, ha: bool = True) -> list[str]:
    meta = {"HA_Enabled": "True"} if ha else {}
    return [sim.cloud.add_server(host, metadata=meta).id for _ in range(count)]


def _disable_in_nova(sim, host: str) -> None:
    with sim.cloud.session():
        svc = sim.cloud.service_by_host_binary(host, "nova-compute")
        sim.cloud.update_service(svc, disabled=True, reason="reserved")


@pytest.mark.parametrize("method", ["auto", "reserved_host", "auto_priority", "rh_priority"])
def test_host_failure_with_each_recovery_method(stack, sim, method):
    failed, spare, reserved = _hosts(sim, 3)
    _disable_in_nova(sim, reserved)
    seg = stack.segment(method)
    for name in (failed, spare):
        stack.host(seg, name)
    stack.host(seg, reserved, reserved=True)
    servers = _servers(sim, failed, 3) + _servers(sim, failed, 1, ha=False)

    n = stack.wait(stack.host_down(failed))
    assert n["status"] == "finished", n
    moved = {sim.server(s).host for s in servers[:3]}
    assert failed not in moved
    if method in ("reserved_host", "rh_priority"):
        assert moved == {reserved}
    else:  # the scheduler had room (other tests' hosts too): no fallback needed
        assert reserved not in moved
    assert all(sim.server(s).vm_state == "active" for s in servers[:3])
    assert sim.server(servers[3]).host == failed, "not opted in"
    vmoves = stack.vmoves(n["notification_uuid"])
    assert sorted(v["instance_uuid"] for v in vmoves) == sorted(servers[:3])
    assert {v["status"] for v in vmoves} == {"succeeded"}
    details = {d["name"] for d in n["recovery_workflow_details"]}
    assert {"DisableComputeServiceTask", "EvacuateInstancesTask"} <= details


def test_instance_failure_with_and_without_the_metadata_key(stack, sim):
    (host,) = _hosts(sim, 1)
    seg = stack.segment()
    stack.host(seg, host)
    ha, plain = _servers(sim, host, 1)[0], _servers(sim, host, 1, ha=False)[0]
    uuids = []
    for server in (ha, plain):
        sim.crash_instance(server)
        payload = {
            "event": "LIFECYCLE",
            "vir_domain_event": "STOPPED_FAILED",
            "instance_uuid": server,
        }
        resp = stack.notify("VM", host, payload)
        assert resp.status_code == 202, resp.text
        uuids.append(resp.json()["notification"]["notification_uuid"])
    done = [stack.wait(u) for u in uuids]
    assert [d["status"] for d in done] == ["finished", "finished"]
    assert sim.server(ha).vm_state == "active"
    assert sim.server(plain).vm_state == "stopped"
    names = [d["name"] for d in done[0]["recovery_workflow_details"]]
    assert names == ["StopInstanceTask", "StartInstanceTask", "ConfirmInstanceActiveTask"]


def test_process_failure_disables_the_service_and_puts_the_host_on_maintenance(stack, sim):
    (host,) = _hosts(sim, 1)
    seg = stack.segment()
    host_uuid = stack.host(seg, host)
    resp = stack.notify("PROCESS", host, {"event": "STOPPED", "process_name": "nova-compute"})
    assert resp.status_code == 202, resp.text
    n = stack.wait(resp.json()["notification"]["notification_uuid"])
    assert n["status"] == "finished"
    assert sim.cloud.service_by_host_binary(host, "nova-compute").disabled
    got = stack.call("GET", f"/segments/{seg}/hosts/{host_uuid}").json()["host"]
    assert got["on_maintenance"] is True
    # As upstream: the host's next notification waits for an operator to clear the flag.
    down = {"event": "STOPPED", "host_status": "NORMAL", "cluster_status": "OFFLINE"}
    refused = stack.notify("COMPUTE_HOST", host, down)
    assert refused.status_code == 409 and "under maintenance" in refused.text


def test_duplicate_notifications_and_duplicate_doorbells(stack, sim, pg_module_url):
    failed, _spare = _hosts(sim, 2)
    seg = stack.segment()
    stack.host(seg, failed)
    servers = _servers(sim, failed, 2)
    sim.fail_host(failed)
    payload = {"event": "STOPPED", "host_status": "NORMAL", "cluster_status": "OFFLINE"}
    first = stack.notify("COMPUTE_HOST", failed, payload)
    second = stack.notify("COMPUTE_HOST", failed, payload)
    assert first.status_code == 202 and second.status_code == 409
    n_uuid = first.json()["notification"]["notification_uuid"]

    _ring(stack, n_uuid, times=10)
    n = stack.wait(n_uuid)
    assert n["status"] == "finished"
    assert _attempt(pg_module_url, n_uuid) == 1
    assert all(sim.evacuations(s) == 1 for s in servers)


def test_two_engines_race_for_many_failures_and_each_runs_once(stack, sim, pg_module_url):
    failed = _hosts(sim, 6)
    _hosts(sim, 2)
    seg = stack.segment()
    for name in failed:
        stack.host(seg, name)
    servers = {name: _servers(sim, name, 2) for name in failed}
    uuids = [stack.host_down(name) for name in failed]
    for n_uuid in uuids:
        _ring(stack, n_uuid, times=3)
    done = [stack.wait(u) for u in uuids]
    assert {d["status"] for d in done} == {"finished"}
    assert all(_attempt(pg_module_url, u) == 1 for u in uuids)
    assert all(sim.evacuations(s) == 1 for group in servers.values() for s in group)
    owners = {_owner(pg_module_url, u).split("/")[1] for u in uuids}
    assert len(owners) >= 1


def test_an_engine_killed_mid_evacuation_is_finished_by_another(stack, sim, pg_module_url):
    failed, _spare1, _spare2 = _hosts(sim, 3)
    seg = stack.segment()
    stack.host(seg, failed)
    servers = _servers(sim, failed, 8)
    sim.configure(evacuation_time=1.5)
    try:
        n_uuid = stack.host_down(failed)
        deadline = time.monotonic() + 30
        while sum(sim.evacuations(s) for s in servers) < 3:
            assert time.monotonic() < deadline, "no evacuation started"
            time.sleep(0.02)
        pid = int(_owner(pg_module_url, n_uuid).split("/")[1])
        victim = next(name for name, p in stack.engines.items() if p.pid == pid)
        stack.kill(victim)
        in_flight = sum(sim.evacuations(s) for s in servers)
        assert in_flight < len(servers) or any(
            sim.server(s).task_state is not None for s in servers
        ), "killed too late to prove anything"
        n = stack.wait(n_uuid, timeout=90)
    finally:
        sim.configure(evacuation_time=0.2)
        if "engine-a" not in stack.engines:
            stack.start_engine("engine-a")
        if "engine-b" not in stack.engines:
            stack.start_engine("engine-b")
    assert n["status"] == "finished", n
    assert _attempt(pg_module_url, n_uuid) == 2
    for server in servers:
        assert sim.evacuations(server) == 1, "exactly one evacuation per instance"
        assert sim.server(server).host != failed and sim.server(server).vm_state == "active"
    assert {v["status"] for v in stack.vmoves(n_uuid)} == {"succeeded"}


# --- helpers reading SQL and ringing the doorbell directly


def _attempt(url: str, n_uuid: str) -> int:
    return _column(url, n_uuid, "attempt")


def _owner(url: str, n_uuid: str) -> str:
    deadline = time.monotonic() + 20
    while (owner := _column(url, n_uuid, "owner")) is None:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    return owner


def _column(url: str, n_uuid: str, column: str):
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(
                text(f"SELECT {column} FROM notifications WHERE notification_uuid = :u"),
                {"u": n_uuid},
            ).scalar_one()
    finally:
        engine.dispose()


def _ring(stack: Stack, n_uuid: str, times: int) -> None:
    """Cast process_notification again, from several threads, as a redelivery storm would."""
    import oslo_messaging as messaging
    from oslo_config import cfg

    from masakari_lite import messaging as doorbell

    conf = cfg.ConfigOpts()
    conf([])
    transport = messaging.get_rpc_transport(conf, url=stack_rabbit(stack))
    try:
        client = messaging.get_rpc_client(transport, doorbell.target())

        def cast():
            client.cast({}, "process_notification", notification_uuid=n_uuid)

        threads = [threading.Thread(target=cast) for _ in range(times)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        transport.cleanup()


def stack_rabbit(stack: Stack) -> str:
    for line in stack.conf.read_text().splitlines():
        if line.startswith("transport_url"):
            return line.split("=", 1)[1].strip()
    raise AssertionError("no transport_url")
