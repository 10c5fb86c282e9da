"""The SQLite group-commit writer: every job committed once, failures kept to their job."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import event, func, select

from masakari_lite.db import errors, migration
from masakari_lite.db import segments as db_segments
from masakari_lite.db.group_commit import GroupCommitWriter
from masakari_lite.db.models import FailoverSegment
from masakari_lite.db.session import dispose_all, get_engine, get_sessionmaker


@pytest.fixture
def writer(sqlite_url):
    migration.upgrade(sqlite_url)
    writer = GroupCommitWriter(sqlite_url)
    commits = []
    event.listen(writer._engine, "commit", lambda conn: commits.append(1))
    writer.commits = commits
    yield writer
    writer.close()
    dispose_all()


def _create(session, name: str) -> str:
    values = {"name": name, "service_type": "COMPUTE", "recovery_method": "auto"}
    return db_segments.create(session, values).uuid


def _names(sqlite_url) -> list[str]:
    with get_sessionmaker(sqlite_url)() as session:
        return sorted(session.scalars(select(FailoverSegment.name)))


def test_concurrent_writes_share_commits_and_all_land(writer, sqlite_url):
    async def burst():
        return await asyncio.gather(*(writer.run(_create, f"seg-{i}") for i in range(200)))

    uuids = asyncio.run(burst())
    assert len(set(uuids)) == 200
    assert _names(sqlite_url) == sorted(f"seg-{i}" for i in range(200))
    # Jobs queued while a batch committed went into the next batch together.
    assert len(writer.commits) < 200


def test_a_failing_job_rolls_back_alone(writer, sqlite_url):
    def create_then_fail(session, name):
        _create(session, name)
        raise RuntimeError("boom after the insert")

    async def burst():
        return await asyncio.gather(
            writer.run(_create, "kept-1"),
            writer.run(create_then_fail, "rolled-back"),
            writer.run(_create, "kept-1"),  # the name is taken by the first job of the batch
            writer.run(_create, "kept-2"),
            return_exceptions=True,
        )

    first, failed, taken, last = asyncio.run(burst())
    assert isinstance(first, str) and isinstance(last, str)
    assert isinstance(failed, RuntimeError)
    assert isinstance(taken, errors.Conflict) and "kept-1 already exists" in taken.message
    assert _names(sqlite_url) == ["kept-1", "kept-2"]


def test_a_failed_commit_fails_every_job_of_the_batch(writer, sqlite_url):
    engine = writer._engine

    def refuse(conn):
        raise RuntimeError("disk full")

    event.listen(engine, "commit", refuse)
    try:

        async def burst():
            return await asyncio.gather(
                *(writer.run(_create, f"lost-{i}") for i in range(5)), return_exceptions=True
            )

        results = asyncio.run(burst())
    finally:
        event.remove(engine, "commit", refuse)
    assert all(isinstance(r, RuntimeError) for r in results)
    with get_sessionmaker(sqlite_url)() as session:
        assert session.scalar(select(func.count()).select_from(FailoverSegment)) == 0


def test_a_batch_waits_for_another_writer_without_blocking_the_loop(writer, sqlite_url):
    other = get_engine(sqlite_url).connect()
    other.exec_driver_sql("SELECT 1")  # BEGIN IMMEDIATE: another writer (the engine) holds the lock

    async def scenario():
        ticks = 0

        async def ticker():
            nonlocal ticks
            while True:
                await asyncio.sleep(0.01)
                ticks += 1

        clock = asyncio.create_task(ticker())
        write = asyncio.create_task(writer.run(_create, "after-the-lock"))
        await asyncio.sleep(0.3)
        assert not write.done()
        other.rollback()
        other.close()
        created = await write
        clock.cancel()
        return created, ticks

    created, ticks = asyncio.run(scenario())
    assert created and ticks >= 20  # the loop kept running while the batch waited
    assert _names(sqlite_url) == ["after-the-lock"]
