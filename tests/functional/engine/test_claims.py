"""Claims, leases and host locks on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import datetime as dt
import threading

import pytest

from masakari_lite.db.models import utcnow
from masakari_lite.db.session import session_scope
from masakari_lite.db.states import NotificationStatus as S
from masakari_lite.engine.claims import Claims
from tests.unit.engine import rows


class Clock:
    def __init__(self):
        self.now = utcnow()

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


@pytest.fixture
def world(db_url):
    rows.migrate(db_url)
    seg = rows.segment(db_url)
    return db_url, rows.host(db_url, seg, "compute-1"), rows.host(db_url, seg, "compute-2")


def claims(url, owner, clock, lease=30, attempts=3, backoff=10) -> Claims:
    return Claims(url, owner, lease, attempts, backoff, clock=clock)


def test_only_one_of_many_racing_engines_wins_a_claim(world):
    url, h1, _ = world
    n = rows.notification(url, h1, "COMPUTE_HOST", rows.HOST_DOWN)
    clock = Clock()
    engines = [claims(url, f"engine-{i}", clock) for i in range(8)]
    barrier = threading.Barrier(len(engines))
    won = []

    def race(engine):
        barrier.wait()
        if engine.claim(n) is not None:
            won.append(engine.owner)

    threads = [threading.Thread(target=race, args=(e,)) for e in engines]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(won) == 1
    row = rows.get(url, n)
    assert (row.status, row.owner, row.attempt) == (S.RUNNING, won[0], 1)


def test_one_recovery_per_source_host_at_a_time(world):
    url, h1, h2 = world
    clock = Clock()
    a, b = claims(url, "a", clock), claims(url, "b", clock)
    first = rows.notification(url, h1, "COMPUTE_HOST", rows.HOST_DOWN)
    second = rows.notification(url, h1, "VM", {"event": "LIFECYCLE"})
    other_host = rows.notification(url, h2, "COMPUTE_HOST", rows.HOST_DOWN)

    claim = a.claim(first)
    assert claim is not None
    assert b.claim(second) is None, "the host is busy with the first notification"
    assert rows.get(url, second).status == S.NEW
    assert b.claim(other_host) is not None, "another host is not blocked"

    assert a.finish(claim, S.FINISHED, "done") == S.FINISHED
    assert b.claim(second) is not None, "the host lock was released"


def test_host_lock_race_between_two_notifications_of_one_host(world):
    url, h1, _ = world
    clock = Clock()
    notes = [rows.notification(url, h1, "VM", {"n": i}) for i in range(6)]
    engines = [claims(url, f"e{i}", clock) for i in range(6)]
    barrier = threading.Barrier(6)
    won = []

    def race(engine, n):
        barrier.wait()
        if engine.claim(n) is not None:
            won.append(n)

    threads = [
        threading.Thread(target=race, args=pair) for pair in zip(engines, notes, strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(won) == 1
    running = [n for n in notes if rows.get(url, n).status == S.RUNNING]
    assert running == won


def test_an_expired_lease_is_taken_over_and_the_old_owner_is_fenced_off(world):
    url, h1, _ = world
    clock = Clock()
    dead, alive = claims(url, "dead", clock, lease=5), claims(url, "alive", clock, lease=5)
    n = rows.notification(url, h1, "COMPUTE_HOST", rows.HOST_DOWN)
    old = dead.claim(n)
    assert alive.claim(n) is None, "lease still live"
    assert dead.heartbeat(old)

    clock.advance(6)
    assert alive.due(60) == [n]
    new = alive.claim(n)
    assert new is not None and new.attempt == 2

    assert not dead.heartbeat(old)
    with session_scope(url) as s:
        assert not dead.guard(s, old)
    assert dead.finish(old, S.FINISHED, "late") is None
    assert alive.finish(new, S.FINISHED, "resumed") == S.FINISHED
    assert rows.get(url, n).message == "resumed"


def test_errors_are_retried_with_backoff_then_failed(world):
    url, h1, _ = world
    clock = Clock()
    engine = claims(url, "e", clock, attempts=3, backoff=10)
    n = rows.notification(url, h1, "COMPUTE_HOST", rows.HOST_DOWN)

    assert engine.finish(engine.claim(n), S.ERROR, "boom") == S.ERROR
    assert engine.claim(n) is None, "not due before the backoff"
    assert n not in engine.due(60)
    clock.advance(10)
    assert n in engine.due(60)
    second = engine.claim(n)
    assert second.attempt == 2
    assert engine.finish(second, S.ERROR, "boom") == S.ERROR
    clock.advance(19)
    assert engine.claim(n) is None, "the backoff doubled"
    clock.advance(1)
    third = engine.claim(n)
    assert engine.finish(third, S.ERROR, "boom") == S.FAILED
    row = rows.get(url, n)
    assert row.status == S.FAILED and "gave up after 3 attempts" in row.message


def test_stale_new_rows_are_due_and_old_ones_expire(world):
    url, h1, h2 = world
    clock = Clock()
    engine = claims(url, "e", clock)
    fresh = rows.notification(url, h1, "COMPUTE_HOST", rows.HOST_DOWN, created_at=clock.now)
    ancient = rows.notification(
        url, h2, "COMPUTE_HOST", rows.HOST_DOWN, created_at=clock.now - dt.timedelta(days=2)
    )
    assert engine.due(60) == [ancient]
    clock.advance(61)
    assert set(engine.due(60)) == {fresh, ancient}
    assert engine.fail_exhausted_and_expired(86400) == 1
    assert rows.get(url, ancient).status == S.FAILED
    assert rows.get(url, fresh).status == S.NEW


def test_a_released_claim_is_claimable_at_once(world):
    url, h1, _ = world
    clock = Clock()
    a, b = claims(url, "a", clock), claims(url, "b", clock)
    n = rows.notification(url, h1, "COMPUTE_HOST", rows.HOST_DOWN)
    claim = a.claim(n)
    a.release(claim)
    taken = b.claim(n)
    assert taken is not None and taken.attempt == 2
