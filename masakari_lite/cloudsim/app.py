"""The ASGI application: Nova at / and /v2.1, Keystone at /identity, control at /_sim."""

from __future__ import annotations

import logging

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from masakari_lite.cloudsim import control, errors, keystone, nova_admin, nova_servers
from masakari_lite.cloudsim.cloud import Cloud
from masakari_lite.cloudsim.http import error_response

LOG = logging.getLogger(__name__)

# the collections under /v2.1; anything else in that position is a project id
COLLECTIONS = frozenset(
    {
        "servers",
        "os-services",
        "flavors",
        "images",
        "os-aggregates",
        "os-hypervisors",
        "os-migrations",
    }
)


class ProjectInPath:
    """Accept the /v2.1/{project_id}/... form old catalogs use, and remember the id."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            parts = scope["path"].split("/")
            if (
                len(parts) > 3
                and parts[1] == "v2.1"
                and parts[2] not in COLLECTIONS
                and parts[3] in COLLECTIONS
            ):
                path = "/".join(parts[:2] + parts[3:])
                scope = {
                    **scope,
                    "path": path,
                    "raw_path": path.encode(),
                    "cloudsim.project_id": parts[2],
                }
        await self.app(scope, receive, send)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 405:
        return error_response(errors.SimError("The method is not allowed for this resource.", 405))
    return error_response(errors.SimError("The resource could not be found.", exc.status_code))


async def _crash(request: Request, exc: Exception) -> Response:
    LOG.exception("cloudsim: unexpected error on %s %s", request.method, request.url.path)
    return error_response(errors.SimError(f"Unexpected API Error: {exc!r}", 500))


def create_app(cloud: Cloud) -> ASGIApp:
    routes = [
        Route("/", nova_admin.versions_root, methods=["GET"]),
        Route("/v2.1", nova_admin.version_v21, methods=["GET"]),
        Route("/v2.1/", nova_admin.version_v21, methods=["GET"]),
        Mount("/v2.1", routes=nova_servers.ROUTES + nova_admin.ROUTES),
        *keystone.ROUTES,
        *control.ROUTES,
    ]
    app = Starlette(
        routes=routes,
        exception_handlers={HTTPException: _http_error, Exception: _crash},
    )
    app.state.cloud = cloud
    return ProjectInPath(app)
