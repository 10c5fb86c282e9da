"""Failover segments: /v1/segments."""

from __future__ import annotations

from fastapi import APIRouter, Request

from masakari_lite.api import openapi, schemas, validation, views
from masakari_lite.api.errors import JSON
from masakari_lite.api.listing import list_params, text_filters
from masakari_lite.api.state import authorize, body, state, version
from masakari_lite.db import errors
from masakari_lite.db import segments as db

router = APIRouter(tags=["segments"])

RULE = "os_masakari_api:segments:"


def _values(segment: dict) -> dict:
    values = dict(segment)
    if "enabled" in values:
        values["enabled"] = validation.to_bool(values["enabled"])
    return values


def _check_uuid(segment_id: str) -> None:
    if not validation.is_uuid_like(segment_id):
        raise errors.segment_not_found(segment_id)


@router.get(
    "/segments",
    openapi_extra=openapi.listing(
        recovery_method=openapi.STRING, service_type=openapi.STRING, enabled=openapi.BOOLEAN
    ),
)
async def list_segments(request: Request) -> JSON:
    """List failover segments."""
    authorize(request, RULE + "index")
    api = state(request)
    query = request.query_params
    params = list_params(query, api.max_limit)
    filters = text_filters(query, ("recovery_method", "service_type"))
    if "enabled" in query:
        filters["enabled"] = validation.query_bool("enabled", query["enabled"])
    rows = await api.read(db.list_, filters, params)
    return JSON({"segments": [views.segment(r) for r in rows]})


@router.post(
    "/segments", status_code=201, openapi_extra=openapi.json_body(schemas.segment_create_v12)
)
async def create_segment(request: Request) -> JSON:
    """Create a failover segment."""
    validation.SEGMENT_CREATE[version(request) >= (1, 2)].validate(body(request))
    authorize(request, RULE + "create")
    view = await state(request).write(_create, _values(body(request)["segment"]))
    return JSON({"segment": view}, status_code=201)


def _create(session, values: dict) -> dict:
    return views.segment(db.create(session, values))


def _update(session, segment_id: str, values: dict) -> dict:
    return views.segment(db.update_(session, segment_id, values))


@router.get("/segments/{segment_id}")
async def show_segment(request: Request, segment_id: str) -> JSON:
    """Show one failover segment."""
    authorize(request, RULE + "detail")
    _check_uuid(segment_id)
    row = await state(request).read(db.get, segment_id)
    return JSON({"segment": views.segment(row)})


@router.put("/segments/{segment_id}", openapi_extra=openapi.json_body(schemas.segment_update_v12))
async def update_segment(request: Request, segment_id: str) -> JSON:
    """Update a failover segment; refused while its hosts have unfinished notifications."""
    validation.SEGMENT_UPDATE[version(request) >= (1, 2)].validate(body(request))
    authorize(request, RULE + "update")
    _check_uuid(segment_id)
    view = await state(request).write(_update, segment_id, _values(body(request)["segment"]))
    return JSON({"segment": view})


@router.delete("/segments/{segment_id}", status_code=204)
async def delete_segment(request: Request, segment_id: str) -> JSON:
    """Delete a failover segment and its hosts."""
    authorize(request, RULE + "delete")
    _check_uuid(segment_id)
    await state(request).write(db.delete, segment_id)
    return JSON(None, status_code=204)
