"""Notifications: /v1/notifications, the monitors' door into recovery.

Acceptance commits the ``new`` row first, then queues the engine's ring (see
``doorbell``); a failed ring keeps the 202 (the engine's sweeper finds the row).
"""

from __future__ import annotations

from fastapi import APIRouter, Request

from masakari_lite.api import openapi, schemas, validation, views
from masakari_lite.api.errors import JSON
from masakari_lite.api.listing import list_params, text_filters
from masakari_lite.api.state import authorize, body, state, version
from masakari_lite.db import errors
from masakari_lite.db import notifications as db

router = APIRouter(tags=["notifications"])

RULE = "os_masakari_api:notifications:"
# MySQL's DATETIME starts at year 1000; older times are certainly wrong clocks.
_EARLIEST_YEAR = 1000


@router.get(
    "/notifications",
    openapi_extra=openapi.listing(
        status=openapi.STRING,
        source_host_uuid=openapi.STRING,
        type=openapi.STRING,
        **{"generated-since": {"type": "string", "format": "date-time"}},
    ),
)
async def list_notifications(request: Request) -> JSON:
    """List notifications."""
    authorize(request, RULE + "index")
    api = state(request)
    query = request.query_params
    params = list_params(query, api.max_limit)
    filters = text_filters(query, ("status", "source_host_uuid", "type"))
    if "generated-since" in query:
        try:
            filters["generated-since"] = validation.parse_datetime(query["generated-since"])
        except ValueError:
            raise errors.BadRequest("Invalid generated-since value") from None
    rows = await api.read(db.list_, filters, params)
    return JSON({"notifications": [views.notification(r) for r in rows]})


def _notification(session, notification_id: str, with_steps: bool) -> tuple:
    row = db.get(session, notification_id)
    steps = db.recovery_steps(session, row.notification_uuid) if with_steps else []
    return row, steps


def _generated_time(raw: str):
    parsed = validation.parse_datetime(raw)  # the schema's date-time format passed
    if parsed.year < _EARLIEST_YEAR:
        raise errors.BadRequest(
            f"Invalid input for field/attribute generated_time. Value: {raw}. "
            f"'{raw}' is before the year {_EARLIEST_YEAR}"
        )
    return parsed


@router.post(
    "/notifications",
    status_code=202,
    openapi_extra=openapi.json_body(schemas.notification_create),
)
async def create_notification(request: Request) -> JSON:
    """Accept a failure notification from a monitor."""
    validation.NOTIFICATION_CREATE.validate(body(request))
    authorize(request, RULE + "create")
    data = body(request)["notification"]
    validation.PAYLOADS[data["type"]].validate(data["payload"])
    generated = _generated_time(data["generated_time"])
    api = state(request)
    view = await api.write(_accept, data, generated, api.duplicate_window)
    api.ring(view["notification_uuid"])
    return JSON({"notification": view}, status_code=202)


def _accept(session, data: dict, generated, duplicate_window: int) -> dict:
    row = db.create(
        session,
        hostname=data["hostname"],
        type_=data["type"],
        generated_time=generated,
        payload=data["payload"],
        duplicate_window=duplicate_window,
    )
    return views.notification(row)


@router.get("/notifications/{notification_id}")
async def show_notification(request: Request, notification_id: str) -> JSON:
    """Show a notification; from 1.1 on, with its recovery progress."""
    authorize(request, RULE + "detail")
    if not validation.is_uuid_like(notification_id):
        raise errors.notification_not_found(notification_id)
    with_steps = version(request) >= (1, 1)
    row, steps = await state(request).read(_notification, notification_id, with_steps)
    view = views.notification(row)
    if with_steps:
        view["recovery_workflow_details"] = [views.recovery_step(s) for s in steps]
    return JSON({"notification": view})
