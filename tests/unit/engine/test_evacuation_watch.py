"""The batched evacuation watcher against the simulated Nova, over real HTTP.

What Nova is asked is read from the simulator's own request counters.
"""

from __future__ import annotations

import threading

import pytest

from masakari_lite.compute.errors import ComputeNotFound
from masakari_lite.engine.claims import LostClaim
from masakari_lite.engine.flows.evacuation_watch import EvacuationWatch
from masakari_lite.engine.runner import Job, NotificationInfo, PollTimeout, RecoveryFailed


def _job(nova, conf) -> Job:
    # The watcher needs a job's Nova, options, poll gate and stop signals; no claim.
    info = NotificationInfo("n-watch", "COMPUTE_HOST", {}, "h", None)
    return Job(
        claims=None, claim=None, notification=info, host=None, segment=None, nova=nova, conf=conf
    )


def _landed(failed: str):
    return lambda s: s.host not in (None, failed) and s.task_state is None


def _in_parallel(*calls):
    """Run each call in its own thread; [(result, error)] in order."""
    out: list = [None] * len(calls)

    def run(i, fn):
        try:
            out[i] = (fn(), None)
        except BaseException as exc:  # noqa: BLE001 - handed back to the test
            out[i] = (None, exc)

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return out


@pytest.fixture
def failed_host(sim, nova):
    """host1 with six servers, dead and forced down, its servers being evacuated."""
    servers = [sim.cloud.add_server("host1").id for _ in range(6)]
    sim.fail_host("host1")
    nova.force_down_service("host1", True)
    return servers


def test_moves_are_confirmed_from_the_migration_list_with_one_read_per_server(
    sim, nova, engine_conf, failed_host
):
    sim.configure(evacuation_time=0.6)
    watch = EvacuationWatch(_job(nova, engine_conf), "host1")
    for sid in failed_host:
        nova.evacuate_server(sid)
    sim.cloud.reset_counters()

    results = _in_parallel(
        *[
            (lambda i=sid: watch.wait_moved(i, _landed("host1"), 20, f"{i} to move"))
            for sid in failed_host
        ]
    )

    for sid, (server, error) in zip(failed_host, results, strict=True):
        assert error is None, error
        assert server.id == sid and server.host in ("host2", "host3")
        assert server.task_state is None
        # Per-server polling would read each one about ten times in 0.6 s.
        assert sim.cloud.server_calls.get(sid, {}).get("servers.show", 0) <= 1
    assert sim.cloud.op_calls["os-migrations.index"] >= 1
    assert sim.cloud.op_calls["servers.show"] <= len(failed_host)


def test_each_waiter_keeps_its_own_deadline(sim, nova, engine_conf, failed_host):
    moving, stuck = failed_host[0], failed_host[1]
    nova.evacuate_server(moving)  # `stuck` is never evacuated: it can only time out
    watch = EvacuationWatch(_job(nova, engine_conf), "host1")

    (moved, error), (nothing, timeout) = _in_parallel(
        lambda: watch.wait_moved(moving, _landed("host1"), 20, "the moving one"),
        lambda: watch.wait_moved(stuck, _landed("host1"), 0.8, "the stuck one"),
    )

    assert error is None and moved.host != "host1"
    assert nothing is None and isinstance(timeout, PollTimeout)
    assert "the stuck one" in str(timeout)
    # Never moving, it was seen in listings of the failed host, not read alone.
    assert sim.cloud.server_calls.get(stuck, {}).get("servers.show", 0) == 0


def test_a_failed_evacuation_is_reported_before_the_deadline(sim, nova, engine_conf, failed_host):
    for host in ("host2", "host3"):  # nowhere to go: Nova's migration ends in error
        nova.disable_service(host, "full")
    sid = failed_host[0]
    nova.evacuate_server(sid)
    watch = EvacuationWatch(_job(nova, engine_conf), "host1")
    seen = []

    def fail(server):
        if seen and server.host == "host1" and server.vm_state == "error":
            return f"left on host1 after migration {seen[-1]}"
        return None

    with pytest.raises(RecoveryFailed, match="left on host1 after migration error"):
        watch.wait_moved(
            sid,
            _landed("host1"),
            20,
            "no valid host",
            fail=fail,
            on_migration=lambda m: seen.append(m.status),
        )


def test_a_server_deleted_while_waited_for_is_not_found(sim, nova, engine_conf, failed_host):
    sim.configure(evacuation_time=1.0)
    sid = failed_host[0]
    nova.evacuate_server(sid)
    with sim.cloud.session():
        sim.cloud.delete_server(sim.cloud.get_instance(sid))
    watch = EvacuationWatch(_job(nova, engine_conf), "host1")
    with pytest.raises(ComputeNotFound):
        watch.wait_moved(sid, _landed("host1"), 20, "a deleted server")


def test_power_states_are_read_from_one_listing_of_the_destination(sim, nova, engine_conf):
    servers = [sim.cloud.add_server("host2", vm_state="stopped").id for _ in range(4)]
    for sid in servers:
        nova.start_server(sid)
    sim.cloud.reset_counters()
    watch = EvacuationWatch(_job(nova, engine_conf), "host1")

    def active(s):
        return s.vm_state == "active" and s.task_state is None

    results = _in_parallel(
        *[(lambda i=sid: watch.wait_state(i, "host2", active, 10, "started")) for sid in servers]
    )

    assert [server.vm_state for server, _ in results] == ["active"] * 4
    assert sim.cloud.op_calls["servers.show"] == 0
    assert sim.cloud.op_calls["servers.detail"] >= 1


def test_a_lost_claim_releases_every_waiter(sim, nova, engine_conf, failed_host):
    job = _job(nova, engine_conf)
    watch = EvacuationWatch(job, "host1")
    timer = threading.Timer(0.3, job.lost.set)
    timer.start()
    try:
        results = _in_parallel(
            *[(lambda i=sid: watch.wait_moved(i, _landed("host1"), 20, "x")) for sid in failed_host]
        )
    finally:
        timer.cancel()
    assert all(isinstance(error, LostClaim) for _, error in results)
