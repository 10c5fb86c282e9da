"""The step runner: checkpoints, skipping finished steps, and losing the claim."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from masakari_lite.db.models import RecoveryStep
from masakari_lite.db.session import session_scope
from masakari_lite.db.states import NotificationStatus as S
from masakari_lite.engine.claims import Claims, LostClaim
from masakari_lite.engine.fencing import load_driver
from masakari_lite.engine.notifier import ProcessNotifier
from masakari_lite.engine.runner import Job, NotificationInfo
from masakari_lite.engine.service import run_job
from tests.unit.engine import rows


def _job(url, conf, n_uuid, owner="e1", flow_type="COMPUTE_HOST") -> Job:
    claims = Claims(url, owner, 30, 3, 0)
    claim = claims.claim(n_uuid)
    assert claim is not None
    return Job(
        claims=claims,
        claim=claim,
        notification=NotificationInfo(n_uuid, flow_type, {}, claim.source_host_uuid, None),
        host=None,
        segment=None,
        nova=None,
        conf=conf,
        fencing=load_driver(conf),
    )


@pytest.fixture
def note(db):
    seg = rows.segment(db)
    host = rows.host(db, seg, "compute-1")
    return rows.notification(db, host, "COMPUTE_HOST", rows.HOST_DOWN)


def _steps(url, n_uuid):
    with session_scope(url) as s:
        return {
            r.name: r
            for r in s.scalars(select(RecoveryStep).where(RecoveryStep.notification_uuid == n_uuid))
        }


def test_finished_steps_are_skipped_on_the_next_attempt_with_their_result(db, engine_conf, note):
    calls = []

    def first(job, progress):
        calls.append("first")
        progress.log("did the first thing", 1.0)
        return {"answer": 42}

    def second(job, progress, given):
        calls.append(("second", given["answer"]))
        raise RuntimeError("Nova said no")

    job = _job(db, engine_conf, note)
    job.step("FirstTask", first)
    with pytest.raises(RuntimeError):
        job.step("SecondTask", second, {"answer": 42})
    assert job.claims.finish(job.claim, S.ERROR, "Nova said no") == S.ERROR

    retry = _job(db, engine_conf, note, owner="e2")
    assert retry.claim.attempt == 2
    given = retry.step("FirstTask", first)
    assert given == {"answer": 42}
    with pytest.raises(RuntimeError):
        retry.step("SecondTask", second, given)
    assert calls == ["first", ("second", 42), ("second", 42)]

    steps = _steps(db, note)
    assert steps["FirstTask"].state == "SUCCESS"
    assert steps["SecondTask"].state == "FAILURE"
    assert steps["SecondTask"].attempt == 2
    details = json.loads(steps["FirstTask"].details)
    assert [d["message"] for d in details] == ["did the first thing"]
    assert set(details[0]) == {"timestamp", "progress", "message"}


def test_a_worker_that_lost_its_claim_stops_and_writes_nothing(db, engine_conf, note):
    job = _job(db, engine_conf, note)
    # Another engine takes over after the lease ran out.
    with session_scope(db) as s:
        from sqlalchemy import update

        from masakari_lite.db.models import Notification

        s.execute(update(Notification).values(owner="someone-else"))

    def step(job, progress):
        progress.log("never stored")

    with pytest.raises(LostClaim):
        job.step("FirstTask", step)
    assert _steps(db, note) == {}
    assert run_job(job, ProcessNotifier(engine_conf, "test")) is None
    assert rows.get(db, note).status == S.RUNNING
    assert rows.get(db, note).owner == "someone-else"
