"""VM moves of a host-failure notification: /v1/notifications/{id}/vmoves (read-only).

Not gated on microversion 1.3: upstream answers at every version, and
openstacksdk sends no version header for vmoves.
"""

from __future__ import annotations

from fastapi import APIRouter, Request

from masakari_lite.api import openapi, validation, views
from masakari_lite.api.errors import JSON
from masakari_lite.api.listing import list_params, text_filters
from masakari_lite.api.state import authorize, state
from masakari_lite.db import errors
from masakari_lite.db import vmoves as db

router = APIRouter(tags=["vmoves"])

RULE = "os_masakari_api:vmoves:"
BASE = "/notifications/{notification_id}/vmoves"


@router.get(BASE, openapi_extra=openapi.listing(status=openapi.STRING, type=openapi.STRING))
async def list_vmoves(request: Request, notification_id: str) -> JSON:
    """List the instance moves of a host-failure recovery."""
    authorize(request, RULE + "index")
    api = state(request)
    params = list_params(request.query_params, api.max_limit)
    filters = text_filters(request.query_params, ("status", "type"))
    if not validation.is_uuid_like(notification_id):
        raise errors.notification_not_found(notification_id)
    rows = await api.read(db.list_, notification_id, filters, params)
    return JSON({"vmoves": [views.vmove(r) for r in rows]})


@router.get(BASE + "/{vmove_id}")
async def show_vmove(request: Request, notification_id: str, vmove_id: str) -> JSON:
    """Show one instance move."""
    authorize(request, RULE + "detail")
    if not validation.is_uuid_like(notification_id):
        raise errors.notification_not_found(notification_id)
    if not validation.is_uuid_like(vmove_id):
        raise errors.vmove_not_found(vmove_id)
    row = await state(request).read(db.get, notification_id, vmove_id)
    return JSON({"vmove": views.vmove(row)})
