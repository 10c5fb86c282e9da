"""The app factory: routers, error rendering, middleware, auth, all settings read once."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import AsyncIterator, Callable

from fastapi import FastAPI
from oslo_config import cfg

from masakari_lite import __version__, messaging
from masakari_lite.api import (
    dbaccess,
    errors,
    hosts,
    metrics,
    middleware,
    notifications,
    root,
    segments,
    unimplemented,
    vmoves,
)
from masakari_lite.api.compute_hosts import ComputeServices
from masakari_lite.api.policy import Authorizer
from masakari_lite.api.state import ApiState
from masakari_lite.db import session as db_session
from masakari_lite.metrics import register_notification_counts


def _nova(conf: cfg.ConfigOpts) -> ComputeServices:
    from masakari_lite.compute.client import NovaClient

    return NovaClient(conf)


def _lifespan(state: ApiState | None):
    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        if state is not None:
            await state.close()

    return lifespan


def build_fastapi(state: ApiState) -> FastAPI:
    app = FastAPI(
        lifespan=_lifespan(state),
        title="masakari-lite",
        version=__version__,
        description="Instance HA API, wire-compatible with Masakari v1 (microversions 1.0-1.3).",
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
        # Upstream's router knows no trailing-slash variants: they are 404, not redirects.
        redirect_slashes=False,
    )
    app.state.api = state
    errors.install(app)
    app.include_router(root.router)
    app.include_router(metrics.router)
    # Included one level deep: nested routers make every match walk a tree.
    for router in (segments.router, hosts.router, notifications.router, vmoves.router):
        app.include_router(router, prefix="/v1")
    app.include_router(root.v1_router, prefix="/v1")
    return app


def create_app(
    conf: cfg.ConfigOpts,
    *,
    compute: ComputeServices | None = None,
    cast: Callable[[str], object] | None = None,
    db_url: str | None = None,
):
    """The ASGI application.

    ``compute`` replaces the Nova client (a test fake, see ``ComputeServices``);
    ``cast`` replaces the oslo.messaging doorbell; ``db_url`` the configured database.
    """
    authorizer = Authorizer(conf)
    state = ApiState(
        sessions=db_session.get_sessionmaker(db_url),
        db=dbaccess.for_url(db_url),
        authorizer=authorizer,
        compute_factory=(lambda: compute)
        if compute is not None
        else functools.partial(_nova, conf),
        cast=cast or functools.partial(messaging.cast_process_notification, conf),
        max_limit=conf.osapi_max_limit,
        duplicate_window=conf.duplicate_notification_detection_interval,
        link_prefix=conf.osapi_masakari_link_prefix,
        healthcheck_disable_file=conf.healthcheck_disable_file,
        compute_host_cache_seconds=conf.nova_compute_host_cache_seconds,
    )
    register_notification_counts(state.sessions)
    fastapi_app = build_fastapi(state)
    app = middleware.V1Gate(
        fastapi_app,
        auth_strategy=conf.auth_strategy,
        max_body=conf.oslo_middleware.max_request_body_size,
        is_admin=authorizer.is_admin,
    )
    app = unimplemented.BadMethod(app, max_body=conf.oslo_middleware.max_request_body_size)
    if conf.auth_strategy == "keystone":
        from masakari_lite.api.keystone import KeystoneAuth

        app = KeystoneAuth(app, conf)
    app = middleware.Envelope(app)
    # The FastAPI object stays reachable for tests and the OpenAPI document.
    app.fastapi = fastapi_app  # type: ignore[attr-defined]
    return app
