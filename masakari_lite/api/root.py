"""Unversioned endpoints: version discovery, /v1 itself, the health check, extensions."""

from __future__ import annotations

import os

from fastapi import APIRouter, Request
from starlette.responses import PlainTextResponse, Response

from masakari_lite.api import versions
from masakari_lite.api.errors import JSON
from masakari_lite.api.state import authorize, state
from masakari_lite.db import errors

router = APIRouter(tags=["versions"])
v1_router = APIRouter(tags=["versions"])


def base_url(request: Request) -> str:
    """The service's own URL; [DEFAULT] osapi_masakari_link_prefix replaces its start."""
    prefix = state(request).link_prefix
    if prefix:
        return prefix.rstrip("/")
    return str(request.base_url).rstrip("/")


@router.get("/")
async def root(request: Request) -> JSON:
    """Version discovery (no authentication)."""
    return JSON(versions.root_document(base_url(request)))


@router.get("/healthcheck", include_in_schema=False)
async def healthcheck(request: Request) -> Response:
    disable_file = state(request).healthcheck_disable_file
    if disable_file and os.path.exists(disable_file):
        return PlainTextResponse("DISABLED BY FILE", status_code=503)
    return PlainTextResponse("OK")


@router.get("/v1", include_in_schema=False)
@router.get("/v1/")
async def v1(request: Request) -> JSON:
    """The v1 version document."""
    return JSON(versions.v1_document(base_url(request)))


@v1_router.get("/versions/{version_id}")
async def show_version(request: Request, version_id: str) -> JSON:
    """One API version by id (only v1.0 exists); authenticated, but no policy, as upstream."""
    if version_id != versions.V1_ID:
        raise errors.NotFound("The resource could not be found.")
    return JSON(versions.v1_document(base_url(request)))


_EXTENSIONS = [
    ("extensions", "Extensions", "Extension information."),
    ("notifications", "Notifications", "Notifications support."),
    ("os-hosts", "Hosts", "Hosts controller."),
    ("segments", "Segments", "Segments Extension."),
    ("versions", "Versions", "API Version information."),
    ("vmoves", "VMoves", "VM moves support."),
]


def _extension(alias: str, name: str, description: str) -> dict:
    return {
        "name": name,
        "alias": alias,
        "description": description,
        "namespace": "",
        "updated": "",
        "links": [],
    }


@v1_router.get("/extensions")
async def list_extensions(request: Request) -> JSON:
    """Legacy list of loaded API extensions."""
    authorize(request, "os_masakari_api:extensions:index")
    return JSON({"extensions": [_extension(*e) for e in _EXTENSIONS]})


@v1_router.get("/extensions/{alias}")
async def show_extension(request: Request, alias: str) -> JSON:
    """Legacy description of one API extension."""
    authorize(request, "os_masakari_api:extensions:detail")
    for entry in _EXTENSIONS:
        if entry[0] == alias:
            return JSON({"extension": _extension(*entry)})
    raise errors.NotFound(f"Extension {alias} could not be found.")
