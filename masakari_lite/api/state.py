"""What the routes share: settings read once from CONF, the session factory, the policy
enforcer, the Nova host-name checker and the doorbell. Built by ``create_app``."""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from masakari_lite.api import middleware
from masakari_lite.api.context import RequestContext
from masakari_lite.api.policy import Authorizer
from masakari_lite.compute.types import Service
from masakari_lite.db import errors

LOG = logging.getLogger(__name__)
T = TypeVar("T")


class ComputeServices(Protocol):
    """The one Nova call the API makes (NovaClient has it)."""

    def find_compute_service(self, host: str) -> Service | None: ...


@dataclass
class ApiState:
    sessions: sessionmaker
    reads: Engine
    # SQLite has one writer at a time. Writer threads queue here, where a release
    # wakes the next at once, instead of in SQLite's busy handler, which sleeps.
    write_lock: threading.Lock | None
    inline_reads: bool
    authorizer: Authorizer
    compute_factory: Callable[[], ComputeServices]
    cast: Callable[[str], object]
    max_limit: int
    duplicate_window: int
    link_prefix: str | None
    healthcheck_disable_file: str | None
    _compute: ComputeServices | None = None
    _compute_lock: threading.Lock = field(default_factory=threading.Lock)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Session]:
        """The request's one write transaction: commit on success, roll back on any error."""
        if self.write_lock is None:
            with self.sessions.begin() as session:
                yield session
            return
        with self.write_lock, self.sessions.begin() as session:
            yield session

    @contextlib.contextmanager
    def reading(self) -> Iterator[Connection]:
        """A read-only transaction on a Connection; on SQLite it never waits for a writer."""
        with self.reads.begin() as connection:
            yield connection

    async def read(self, fn: Callable[..., T], *args) -> T:
        """``fn(connection, *args)`` in a read transaction.

        Inline on SQLite, where a read is a few microseconds of local work and a
        thread hop would cost more; in the threadpool otherwise, so that waits on
        the database server's round trips overlap.
        """
        if self.inline_reads:
            return self._read_sync(fn, *args)
        return await run_in_threadpool(self._read_sync, fn, *args)

    def _read_sync(self, fn: Callable[..., T], *args) -> T:
        with self.reading() as connection:
            return fn(connection, *args)

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
        """Tell the engine after the commit. A failure never undoes the 202: the row is
        stored as 'new' and the engine's sweeper claims it without the message."""
        try:
            self.cast(notification_uuid)
        except Exception:
            LOG.warning("Could not ring the engine for %s", notification_uuid, exc_info=True)

    def check_compute_host(self, name: str) -> None:
        if self.compute.find_compute_service(name) is None:
            raise errors.BadRequest(f"Compute service with name {name} could not be found.")


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
