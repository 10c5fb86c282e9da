"""Group commit for SQLite: many API writes, one transaction, one fsync.

SQLite has one writer at a time and, with ``synchronous=FULL``, every COMMIT
waits for the disk. Serialising each request's own transaction made the
fsync the API's ceiling for writes. Here one writer thread takes every write
job queued while the previous batch committed, runs each in its own
SAVEPOINT of one transaction, and commits once. A job that fails rolls back
to its savepoint only; the others still commit. No caller hears of success
before the COMMIT that holds its job has returned, so a 201/202 is as durable
as before; only the number of fsyncs per write goes down.

Jobs run one after the other inside the batch, so each sees the ones before
it exactly as if they had committed first: duplicate and uniqueness checks
keep their meaning.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

LOG = logging.getLogger(__name__)

# Enough to absorb a burst; a bigger batch only delays its first caller's answer.
MAX_BATCH = 64


@dataclass
class _Job:
    fn: Callable[..., Any]
    args: tuple
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future
    context: contextvars.Context
    ok: bool = False
    value: Any = None


class GroupCommitWriter:
    def __init__(self, sessions: sessionmaker, max_batch: int = MAX_BATCH):
        self._sessions = sessions
        self._max_batch = max_batch
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()

    async def run(self, fn: Callable[..., Any], *args) -> Any:
        """``fn(session, *args)`` in the next batch; its value once the batch is committed."""
        self._ensure_started()
        loop = asyncio.get_running_loop()
        job = _Job(fn, args, loop, loop.create_future(), contextvars.copy_context())
        self._queue.put(job)
        return await job.future

    def close(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout=10)
            self._thread = None

    def _ensure_started(self) -> None:
        if self._thread is None:
            with self._start_lock:
                if self._thread is None:
                    thread = threading.Thread(
                        target=self._serve, name="sqlite-group-commit", daemon=True
                    )
                    thread.start()
                    self._thread = thread

    def _serve(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            while len(batch) < self._max_batch:
                try:
                    job = self._queue.get_nowait()
                except queue.Empty:
                    break
                if job is None:
                    self._queue.put(None)  # stop after this batch
                    break
                batch.append(job)
            self._commit(batch)

    def _commit(self, batch: list[_Job]) -> None:
        try:
            with self._sessions.begin() as session:
                for job in batch:
                    self._run_job(session, job)
        except BaseException as exc:  # the COMMIT (or BEGIN) failed: nothing of the batch is stored
            LOG.warning("Group commit of %d write(s) failed", len(batch), exc_info=True)
            for job in batch:
                job.ok, job.value = False, exc
        for job in batch:
            try:
                job.loop.call_soon_threadsafe(_settle, job)
            except RuntimeError:  # the caller's loop is closed: nobody is waiting any more
                pass

    @staticmethod
    def _run_job(session: Session, job: _Job) -> None:
        try:
            with session.begin_nested():
                job.value = job.context.run(job.fn, session, *job.args)
            job.ok = True
        except Exception as exc:
            job.ok, job.value = False, exc


def _settle(job: _Job) -> None:
    if job.future.cancelled():
        return
    if job.ok:
        job.future.set_result(job.value)
    else:
        job.future.set_exception(job.value)
