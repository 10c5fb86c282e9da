"""Group commit for SQLite: many API writes, one transaction, one fsync.

SQLite has one writer at a time and, with ``synchronous=FULL``, every COMMIT
waits for the disk. Here the write jobs that arrive while a batch is being
written form the next batch: each job runs in its own SAVEPOINT of one
transaction, and the batch commits once. A job that fails rolls back to its
savepoint only; the others still commit. No caller hears of success before
the COMMIT that holds its job has returned, so a 201/202 is as durable as
with a commit per request; only the number of fsyncs per write goes down.

Batches run on the event loop's thread, like the API's SQLite reads: a job
is tens of microseconds of local work, and handing it to another thread made
the two threads trade the GIL at every SQLite call, which cost more CPU than
the job itself. The loop waits for the disk at each COMMIT (a fraction of a
millisecond on an SSD; fewer commits the busier it gets). It never waits for
another writer: the writer's own connection has no busy timeout, and when
BEGIN IMMEDIATE finds the database locked (the engine, ``db purge``), the
batch waits for the lock in a thread instead.

Jobs of a batch run in order, so each sees the ones before it exactly as if
they had committed first: duplicate and uniqueness checks keep their meaning.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, exc
from sqlalchemy.orm import Session, sessionmaker

from masakari_lite.db import session as db_session

LOG = logging.getLogger(__name__)

# Enough to absorb a burst; a bigger batch only delays its first caller's answer.
MAX_BATCH = 64
# How long a batch waits for another writer's lock before its jobs fail, as the
# shared engine's busy timeout.
LOCK_WAIT = 30.0


@dataclass
class _Job:
    fn: Callable[..., Any]
    args: tuple
    future: asyncio.Future
    context: contextvars.Context


def _fail_fast(dbapi_conn, _record) -> None:
    dbapi_conn.execute("PRAGMA busy_timeout=0")


class GroupCommitWriter:
    def __init__(self, url: str, max_batch: int = MAX_BATCH):
        # Its own engine: one connection that never sleeps in SQLite's busy handler.
        self._engine = db_session.make_engine(url)
        event.listen(self._engine, "connect", _fail_fast)
        self._sessions = sessionmaker(self._engine, expire_on_commit=False)
        self._max_batch = max_batch
        self._pending: deque[_Job] = deque()
        self._draining = False
        self._drainer: asyncio.Task | None = None

    async def run(self, fn: Callable[..., Any], *args) -> Any:
        """``fn(session, *args)`` in the next batch; its value once the batch is committed."""
        loop = asyncio.get_running_loop()
        job = _Job(fn, args, loop.create_future(), contextvars.copy_context())
        self._pending.append(job)
        if not self._draining:
            self._draining = True
            # Held, so the running task is never garbage-collected.
            self._drainer = loop.create_task(self._drain())
        return await job.future

    def close(self) -> None:
        self._engine.dispose()

    async def _drain(self) -> None:
        try:
            while self._pending:
                # Let the requests already read by the loop queue their jobs first.
                await asyncio.sleep(0)
                count = min(len(self._pending), self._max_batch)
                await self._commit([self._pending.popleft() for _ in range(count)])
        finally:
            self._draining = False

    async def _commit(self, batch: list[_Job]) -> None:
        outcomes: list[tuple[bool, Any]] = []
        session = self._sessions()
        try:
            try:
                session.connection()  # BEGIN IMMEDIATE
            except exc.OperationalError as error:
                if not _locked(error):
                    raise
                session.rollback()
                await asyncio.to_thread(_begin_when_free, session)
            outcomes = [_run_job(session, job) for job in batch]
            session.commit()
        except BaseException as error:  # BEGIN or COMMIT failed: nothing of the batch is stored
            LOG.warning("Group commit of %d write(s) failed", len(batch), exc_info=True)
            outcomes = [(False, error)] * len(batch)
            with contextlib.suppress(Exception):
                session.rollback()
            if not isinstance(error, Exception):  # cancelled (shutdown): so are the callers
                for job in batch:
                    job.future.cancel()
                raise
        finally:
            with contextlib.suppress(Exception):
                session.close()
        self._settle(batch, outcomes)

    @staticmethod
    def _settle(batch: list[_Job], outcomes: list[tuple[bool, Any]]) -> None:
        """Every caller hears: a job's future is never left pending."""
        for job, (ok, value) in zip(batch, outcomes, strict=True):
            if job.future.cancelled():
                continue
            if ok:
                job.future.set_result(value)
            else:
                job.future.set_exception(value)


def _begin_when_free(session: Session) -> None:
    """BEGIN IMMEDIATE, retried while another writer holds the lock (in a thread)."""
    deadline = time.monotonic() + LOCK_WAIT
    while True:
        try:
            session.connection()
            return
        except exc.OperationalError as error:
            session.rollback()
            if not _locked(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.002)


def _locked(error: exc.OperationalError) -> bool:
    return "locked" in str(error.orig) or "busy" in str(error.orig)


def _run_job(session: Session, job: _Job) -> tuple[bool, Any]:
    try:
        with session.begin_nested():
            return True, job.context.run(job.fn, session, *job.args)
    except Exception as error:
        return False, error
