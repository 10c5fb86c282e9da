"""What the routes share: settings read once from CONF, the session factory, the policy
enforcer, the Nova host-name checker and the doorbell. Built by ``create_app``."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TypeVar

from sqlalchemy import Connection, Engine, exc
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlalchemy.orm import sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from masakari_lite.api import middleware
from masakari_lite.api.compute_hosts import ComputeHostNames, ComputeServices
from masakari_lite.api.context import RequestContext
from masakari_lite.api.doorbell import Doorbell
from masakari_lite.api.policy import Authorizer
from masakari_lite.db import readers
from masakari_lite.db.group_commit import GroupCommitWriter

T = TypeVar("T")


@dataclass
class ApiState:
    sessions: sessionmaker
    reads: Engine
    # SQLite: the one writer thread that group-commits the API's writes (None elsewhere).
    writer: GroupCommitWriter | None
    inline_reads: bool
    authorizer: Authorizer
    compute_factory: Callable[[], ComputeServices]
    cast: Callable[[str], object]
    max_limit: int
    duplicate_window: int
    link_prefix: str | None
    healthcheck_disable_file: str | None
    compute_host_cache_seconds: float = 0
    _compute: ComputeServices | None = None
    _inline_connection: Connection | None = None
    # PostgreSQL: asyncpg engines, so that round trips overlap without threads.
    async_engines: tuple[AsyncEngine, AsyncEngine] | None = None
    _compute_lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.async_reads = self.async_writes = None
        if self.async_engines is not None:
            self.async_reads = self.async_engines[0]
            self.async_writes = async_sessionmaker(self.async_engines[1], expire_on_commit=False)
        self.doorbell = Doorbell(self.cast)
        self.compute_hosts = ComputeHostNames(lambda: self.compute, self.compute_host_cache_seconds)

    async def write(self, fn: Callable[..., T], *args) -> T:
        """``fn(session, *args)`` in a write transaction; its value once committed.

        On SQLite the group-commit writer runs it (one fsync for every write
        queued meanwhile); on PostgreSQL it gets its own transaction through
        asyncpg on the loop; on MySQL, its own transaction in the threadpool.
        """
        if self.writer is not None:
            return await self.writer.run(fn, *args)
        if self.async_writes is not None:
            async with self.async_writes.begin() as session:
                return await session.run_sync(fn, *args)
        return await run_in_threadpool(self._write_sync, fn, *args)

    def _write_sync(self, fn: Callable[..., T], *args) -> T:
        with self.sessions.begin() as session:
            return fn(session, *args)

    @contextlib.contextmanager
    def reading(self) -> Iterator[Connection]:
        """A Connection whose statements autocommit (see ``db.readers``)."""
        with self.reads.begin() as connection:
            yield connection

    async def read(self, fn: Callable[..., T], *args) -> T:
        """``fn(connection, *args)`` on a read connection (see ``db.readers``).

        Inline on SQLite, where a read is a few microseconds of local work and a
        thread hop would cost more; through asyncpg on PostgreSQL and in the
        threadpool on MySQL, so that waits on the server's round trips overlap.
        """
        if self.inline_reads:
            return self._read_inline(fn, *args)
        if self.async_reads is not None:
            try:
                return await self._read_async(fn, *args)
            except exc.DBAPIError as error:
                if not error.connection_invalidated:
                    raise
            return await self._read_async(fn, *args)
        return await run_in_threadpool(readers.retry_on_disconnect, self._read_once, fn, *args)

    async def _read_async(self, fn: Callable[..., T], *args) -> T:
        async with self.async_reads.connect() as connection:
            return await connection.run_sync(fn, *args)

    def _read_once(self, fn: Callable[..., T], *args) -> T:
        with self.reading() as connection:
            return fn(connection, *args)

    def _read_inline(self, fn: Callable[..., T], *args) -> T:
        # Only the event loop's thread reads inline, one read at a time, so it
        # keeps one connection instead of a pool checkout per request.
        connection = self._inline_connection
        if connection is None:
            connection = self._inline_connection = self.reads.connect()
        try:
            with connection.begin():
                return fn(connection, *args)
        except exc.DBAPIError:
            self._inline_connection = None
            connection.invalidate()
            raise

    @property
    def compute(self) -> ComputeServices:
        # Built on first use: an API whose Nova is not configured still serves
        # everything but host create/rename.
        if self._compute is None:
            with self._compute_lock:
                if self._compute is None:
                    self._compute = self.compute_factory()
        return self._compute

    def ring(self, notification_uuid: str) -> None:
        """Tell the engine, after the commit. A failure never undoes the 202: the row is
        stored as 'new' and the engine's sweeper claims it without the message."""
        self.doorbell.ring(notification_uuid)

    async def check_compute_host(self, name: str) -> None:
        """400 unless Nova knows a compute host ``name``; Nova is asked only on a cache miss."""
        if not self.compute_hosts.known(name):
            await run_in_threadpool(self.compute_hosts.check, name)


def state(request: Request) -> ApiState:
    return request.app.state.api


def authorize(request: Request, rule: str) -> RequestContext:
    context: RequestContext = request.scope[middleware.CONTEXT]
    request.app.state.api.authorizer.authorize(context, rule)
    return context


def body(request: Request):
    return request.scope.get(middleware.BODY)


def version(request: Request) -> tuple[int, int]:
    return request.scope[middleware.VERSION]
