"""Notification queries. Functions take a Session and never commit."""

from __future__ import annotations

import datetime as dt
import json
import uuid as uuidlib
from types import SimpleNamespace

from sqlalchemy import Row, bindparam, select
from sqlalchemy.orm import Session

from masakari_lite.db import errors, hosts, rows
from masakari_lite.db.listing import ListParams, Reader, paginate
from masakari_lite.db.models import Notification, RecoveryStep, utcnow
from masakari_lite.db.states import NotificationStatus

T = Notification.__table__
_STEPS = RecoveryStep.__table__

# Built once: statement construction costs more than the SQLite query itself.
_GET = select(T).where(T.c.notification_uuid == bindparam("uuid"), T.c.deleted == 0)
_GET_STEPS = (
    select(_STEPS)
    .where(_STEPS.c.notification_uuid == bindparam("uuid"))
    .order_by(_STEPS.c.position, _STEPS.c.id)
)
# Payloads are stored as canonical JSON (sorted keys, no spaces), so the
# database finds an equal payload itself: a storm of events from one host does
# not make every new notification decode every stored one. MySQL compares text
# without regard to case, so what it returns is confirmed in Python.
_DUPLICATE_CANDIDATES = select(T.c.payload).where(
    T.c.source_host_uuid == bindparam("host"),
    T.c.type == bindparam("type"),
    T.c.generated_time >= bindparam("since"),
    T.c.deleted == 0,
    T.c.payload == bindparam("payload"),
)


def canonical(payload: dict) -> str:
    """The stored text of a payload: one spelling per dict, whatever the key order."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"))


def get(session: Reader, notification_uuid: str) -> Row:
    row = session.execute(_GET, {"uuid": notification_uuid}).first()
    if row is None:
        raise errors.notification_not_found(notification_uuid)
    return row


def list_(session: Reader, filters: dict, params: ListParams) -> list[Row]:
    keys = ("status", "source_host_uuid", "type")
    chosen = {k: filters[k] for k in keys if k in filters}
    since = {}
    if "generated-since" in filters:
        since["generated_time"] = filters["generated-since"]
    return paginate(session, Notification, chosen, params, since=since)


def _is_duplicate(
    session: Session, host_uuid: str, type_: str, payload: dict, generated: dt.datetime, window: int
) -> bool:
    try:
        since = generated - dt.timedelta(seconds=window)
    except OverflowError:
        since = dt.datetime.min
    stored = session.connection().scalars(
        _DUPLICATE_CANDIDATES,
        {"host": host_uuid, "type": type_, "since": since, "payload": canonical(payload)},
    )
    # Upstream compares payloads as dicts.
    return any(_loads(text) == payload for text in stored)


def _loads(text: str | None) -> dict:
    try:
        value = json.loads(text) if text else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def create(
    session: Session,
    *,
    hostname: str,
    type_: str,
    generated_time: dt.datetime,
    payload: dict,
    duplicate_window: int,
) -> SimpleNamespace:
    """Accept a notification: host lookup (400), maintenance (409), duplicate (409), insert.

    The host row is locked for the rest of the transaction, so two API workers
    receiving the same event cannot both pass the duplicate check.
    """
    host = hosts.get_by_name(session, hostname, lock=True)
    if host is None:
        raise errors.BadRequest(f"Host with name {hostname} could not be found.")
    if host.on_maintenance:
        raise errors.Conflict(
            f"Notification received from host {hostname} of type '{type_}' is ignored as "
            "the host is already under maintenance."
        )
    if _is_duplicate(session, host.uuid, type_, payload, generated_time, duplicate_window):
        raise errors.Conflict(
            f"Notification received from host {hostname} of type {type_} is duplicate."
        )
    values = dict(
        notification_uuid=str(uuidlib.uuid4()),
        generated_time=generated_time,
        source_host_uuid=host.uuid,
        failover_segment_uuid=host.failover_segment_id,
        type=type_,
        payload=canonical(payload),
        status=str(NotificationStatus.NEW),
        deleted=0,
        attempt=0,
        created_at=utcnow(),
    )
    return rows.insert(session, T, values)


def payload_of(row) -> dict:
    return _loads(row.payload)


def recovery_steps(session: Reader, notification_uuid: str) -> list[Row]:
    return list(session.execute(_GET_STEPS, {"uuid": notification_uuid}))
