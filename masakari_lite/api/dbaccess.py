"""How the API's routes reach the database: one way per backend, chosen once.

Routes hand a sync query function to ``read(fn, *args)`` (it gets a
Connection whose statements autocommit, see ``db.readers``) or to
``write(fn, *args)`` (it gets a Session in a transaction, committed before the
value comes back). Which thread runs the function is this module's business:

* ``SQLiteAccess``: on the event loop. A read is microseconds of local work on
  one kept connection; writes are group-committed (``db.group_commit``).
* ``AsyncpgAccess`` (PostgreSQL): on the event loop through asyncpg, each
  round trip yielding to other requests.
* ``ThreadpoolAccess`` (MySQL; PostgreSQL URLs asyncpg cannot take): in the
  threadpool, where the server's round trips overlap.

A thread beside the loop makes the two trade the GIL at every driver call;
measured, that cost more CPU than the queries, so threads are the fallback.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, TypeVar

from sqlalchemy import Connection, Engine, exc
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlalchemy.orm import sessionmaker
from starlette.concurrency import run_in_threadpool

from masakari_lite.db import readers
from masakari_lite.db import session as db_session
from masakari_lite.db.group_commit import GroupCommitWriter

T = TypeVar("T")


class DatabaseAccess(Protocol):
    async def read(self, fn: Callable[..., T], *args) -> T: ...

    async def write(self, fn: Callable[..., T], *args) -> T: ...

    async def close(self) -> None: ...


class ThreadpoolAccess:
    def __init__(self, sessions: sessionmaker, reads: Engine):
        self._sessions = sessions
        self._reads = reads

    async def read(self, fn: Callable[..., T], *args) -> T:
        return await run_in_threadpool(readers.retry_on_disconnect, self._read_once, fn, *args)

    async def write(self, fn: Callable[..., T], *args) -> T:
        return await run_in_threadpool(self._write_once, fn, *args)

    async def close(self) -> None:
        """Nothing of its own: the engines are the process's (``db.session``)."""

    def _read_once(self, fn: Callable[..., T], *args) -> T:
        with self._reads.begin() as connection:
            return fn(connection, *args)

    def _write_once(self, fn: Callable[..., T], *args) -> T:
        with self._sessions.begin() as session:
            return fn(session, *args)


class SQLiteAccess(ThreadpoolAccess):
    def __init__(self, sessions: sessionmaker, reads: Engine, writer: GroupCommitWriter | None):
        super().__init__(sessions, reads)
        self._writer = writer
        self._connection: Connection | None = None

    async def read(self, fn: Callable[..., T], *args) -> T:
        # Only the loop's thread reads here, one read at a time: one connection
        # serves them all instead of a pool checkout per request.
        connection = self._connection
        if connection is None:
            connection = self._connection = self._reads.connect()
        try:
            with connection.begin():
                return fn(connection, *args)
        except exc.DBAPIError:
            self._connection = None
            connection.invalidate()
            raise

    async def write(self, fn: Callable[..., T], *args) -> T:
        if self._writer is None:  # in-memory: one database per connection, the shared one
            return await super().write(fn, *args)
        return await self._writer.run(fn, *args)

    async def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None
        if self._writer is not None:
            self._writer.close()


class AsyncpgAccess:
    def __init__(self, reads: AsyncEngine, writes: AsyncEngine):
        self._reads = reads
        self._write_engine = writes
        self._writes = async_sessionmaker(writes, expire_on_commit=False)

    async def read(self, fn: Callable[..., T], *args) -> T:
        try:
            return await self._read_once(fn, *args)
        except exc.DBAPIError as error:
            if not error.connection_invalidated:
                raise
        return await self._read_once(fn, *args)  # a dropped connection, replaced: once more

    async def write(self, fn: Callable[..., T], *args) -> T:
        async with self._writes.begin() as session:
            return await session.run_sync(fn, *args)

    async def close(self) -> None:
        await self._reads.dispose()
        await self._write_engine.dispose()

    async def _read_once(self, fn: Callable[..., T], *args) -> T:
        async with self._reads.connect() as connection:
            return await connection.run_sync(fn, *args)


def for_url(url: str | None) -> DatabaseAccess:
    """The access for ``url`` (default: ``[database] connection``)."""
    sessions = db_session.get_sessionmaker(url)
    if readers.is_sqlite(url):
        sqlite_file = readers.sqlite_file(url)
        writer = GroupCommitWriter(sqlite_file) if sqlite_file else None
        return SQLiteAccess(sessions, readers.get_read_engine(url), writer)
    engines = readers.make_async_engines(url)
    if engines is not None:
        return AsyncpgAccess(*engines)
    return ThreadpoolAccess(sessions, readers.get_read_engine(url))
