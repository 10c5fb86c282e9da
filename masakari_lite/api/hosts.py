"""Hosts of a segment: /v1/segments/{segment_id}/hosts.

Creating a host, and renaming one, first asks Nova whether a nova-compute
service of that name exists. The Nova call happens outside the write
transaction (which re-checks everything), so a slow Nova never holds a lock.
"""

from __future__ import annotations

from fastapi import APIRouter, Request

from masakari_lite.api import openapi, schemas, validation, views
from masakari_lite.api.errors import JSON
from masakari_lite.api.listing import list_params, text_filters
from masakari_lite.api.state import authorize, body, state
from masakari_lite.db import errors
from masakari_lite.db import hosts as db
from masakari_lite.db import segments as db_segments

router = APIRouter(tags=["hosts"])

RULE = "os_masakari_api:os-hosts:"
BASE = "/segments/{segment_id}/hosts"
_BOOLEANS = ("reserved", "on_maintenance")


def _values(host: dict) -> dict:
    for field in ("type", "control_attributes"):
        validation.require_string(host, field)
    values = dict(host)
    for key in _BOOLEANS:
        if key in values:
            values[key] = validation.to_bool(values[key])
    return values


def _segment_and_hosts(session, segment_id: str, filters: dict, params) -> tuple:
    return db_segments.get(session, segment_id), db.list_(session, segment_id, filters, params)


def _check_ids(segment_id: str, host_id: str | None = None) -> None:
    if not validation.is_uuid_like(segment_id):
        raise errors.segment_not_found(segment_id)
    if host_id is not None and not validation.is_uuid_like(host_id):
        raise errors.host_not_found(host_id)


@router.get(
    BASE,
    openapi_extra=openapi.listing(
        type=openapi.STRING, on_maintenance=openapi.BOOLEAN, reserved=openapi.BOOLEAN
    ),
)
async def list_hosts(request: Request, segment_id: str) -> JSON:
    """List the hosts of a segment."""
    authorize(request, RULE + "index")
    api = state(request)
    query = request.query_params
    params = list_params(query, api.max_limit)
    filters = text_filters(query, ("type", "name", "control_attributes"))
    for key in _BOOLEANS:
        if key in query:
            filters[key] = validation.query_bool(key, query[key])
    _check_ids(segment_id)
    segment, rows = await api.read(_segment_and_hosts, segment_id, filters, params)
    segment = views.segment(segment)
    return JSON({"hosts": [views.host(r, segment) for r in rows]})


@router.post(BASE, status_code=201, openapi_extra=openapi.json_body(schemas.host_create))
async def create_host(request: Request, segment_id: str) -> JSON:
    """Add a host (a Nova compute host) to a segment."""
    validation.HOST_CREATE.validate(body(request))
    authorize(request, RULE + "create")
    values = _values(body(request)["host"])
    _check_ids(segment_id)
    api = state(request)
    await api.read(db_segments.get, segment_id)  # a 404 before asking Nova
    await api.check_compute_host(values["name"])
    view = await api.write(_create, segment_id, values)
    return JSON({"host": view}, 201)


def _create(session, segment_id: str, values: dict) -> dict:
    row, segment = db.create(session, segment_id, values)
    return views.host(row, segment)


def _update(session, segment_id: str, host_id: str, values: dict) -> dict:
    row = db.update_(session, segment_id, host_id, values)
    return views.host(row, db_segments.get(session, segment_id))


@router.get(BASE + "/{host_id}")
async def show_host(request: Request, segment_id: str, host_id: str) -> JSON:
    """Show one host."""
    authorize(request, RULE + "detail")
    _check_ids(segment_id, host_id)
    row, segment = await state(request).read(db.get_with_segment, segment_id, host_id)
    return JSON({"host": views.host(row, segment)})


@router.put(BASE + "/{host_id}", openapi_extra=openapi.json_body(schemas.host_update))
async def update_host(request: Request, segment_id: str, host_id: str) -> JSON:
    """Update a host; refused while its segment has unfinished notifications."""
    validation.HOST_UPDATE.validate(body(request))
    authorize(request, RULE + "update")
    values = _values(body(request)["host"])
    _check_ids(segment_id, host_id)
    api = state(request)
    if "name" in values:
        # The 404/409 a rename would meet come before asking Nova about the new name.
        await api.read(db.check_mutable, segment_id, host_id, "updated")
        await api.check_compute_host(values["name"])
    view = await api.write(_update, segment_id, host_id, values)
    return JSON({"host": view})


@router.delete(BASE + "/{host_id}", status_code=204)
async def delete_host(request: Request, segment_id: str, host_id: str) -> JSON:
    """Remove a host from its segment."""
    authorize(request, RULE + "delete")
    _check_ids(segment_id, host_id)
    await state(request).write(db.delete, segment_id, host_id)
    return JSON(None, status_code=204)
