"""What the routes share: settings read once from CONF, the database access, the policy
enforcer, the Nova host-name checker and the doorbell. Built by ``create_app``."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from sqlalchemy.orm import sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from masakari_lite.api import middleware
from masakari_lite.api.compute_hosts import ComputeHostNames, ComputeServices
from masakari_lite.api.context import RequestContext
from masakari_lite.api.dbaccess import DatabaseAccess
from masakari_lite.api.doorbell import Doorbell
from masakari_lite.api.policy import Authorizer

T = TypeVar("T")


@dataclass
class ApiState:
    sessions: sessionmaker
    db: DatabaseAccess
    authorizer: Authorizer
    compute_factory: Callable[[], ComputeServices]
    cast: Callable[[str], object]
    max_limit: int
    duplicate_window: int
    link_prefix: str | None
    healthcheck_disable_file: str | None
    compute_host_cache_seconds: float = 0
    _compute: ComputeServices | None = None
    _compute_lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.doorbell = Doorbell(self.cast)
        self.compute_hosts = ComputeHostNames(lambda: self.compute, self.compute_host_cache_seconds)

    async def read(self, fn: Callable[..., T], *args) -> T:
        """``fn(connection, *args)`` on a read connection whose statements autocommit."""
        return await self.db.read(fn, *args)

    async def write(self, fn: Callable[..., T], *args) -> T:
        """``fn(session, *args)`` in a write transaction; its value once committed."""
        return await self.db.write(fn, *args)

    async def close(self) -> None:
        """At shutdown: send the rings still queued, then let the connections go."""
        await run_in_threadpool(self.doorbell.close)
        await self.db.close()

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
