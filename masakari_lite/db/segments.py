"""Failover segment queries. Functions take a Session and never commit."""

from __future__ import annotations

import uuid as uuidlib
from types import SimpleNamespace

from sqlalchemy import Row, bindparam, exists, select, update
from sqlalchemy.orm import Session

from masakari_lite.db import errors
from masakari_lite.db.listing import ListParams, Reader, paginate
from masakari_lite.db.models import FailoverSegment, Host, Notification, utcnow
from masakari_lite.db.states import UNFINISHED
from masakari_lite.db.unique import UniqueName

_UNFINISHED = [str(s) for s in UNFINISHED]


T = FailoverSegment.__table__

# Built once: statement construction costs more than the SQLite query itself.
_GET = select(T).where(T.c.uuid == bindparam("uuid"), T.c.deleted == 0)
_NAMES = UniqueName(T, "Failover segment")
_IN_USE = select(
    exists().where(
        Notification.source_host_uuid.in_(
            select(Host.uuid).where(
                Host.failover_segment_id == bindparam("segment"), Host.deleted == 0
            )
        ),
        Notification.status.in_(_UNFINISHED),
        Notification.deleted == 0,
    )
)


def get(session: Reader, segment_uuid: str) -> Row:
    """The live segment as a read-only row."""
    row = session.execute(_GET, {"uuid": segment_uuid}).first()
    if row is None:
        raise errors.segment_not_found(segment_uuid)
    return row


def _load(session: Session, segment_uuid: str) -> FailoverSegment:
    """The live segment as an ORM object, to change it."""
    row = session.scalars(
        select(FailoverSegment).where(
            FailoverSegment.uuid == segment_uuid, FailoverSegment.deleted == 0
        )
    ).first()
    if row is None:
        raise errors.segment_not_found(segment_uuid)
    return row


def list_(session: Reader, filters: dict, params: ListParams) -> list[Row]:
    keys = ("recovery_method", "service_type", "enabled")
    return paginate(session, FailoverSegment, {k: filters[k] for k in keys if k in filters}, params)


def create(session: Session, values: dict) -> SimpleNamespace:
    row = {"description": None, **values, "uuid": str(uuidlib.uuid4()), "deleted": 0}
    if row.get("enabled") is None:
        row["enabled"] = True
    row["created_at"] = utcnow()
    return _NAMES.insert(session, row)


def in_use(session: Reader, segment_uuid: str) -> bool:
    """Whether any host of the segment has a new, running or error notification."""
    return bool(session.scalar(_IN_USE, {"segment": segment_uuid}))


def update_(session: Session, segment_uuid: str, values: dict) -> FailoverSegment:
    row = _load(session, segment_uuid)
    if in_use(session, segment_uuid):
        raise errors.Conflict(
            f"Failover segment {segment_uuid} can't be updated as it is in-use to "
            "process notifications."
        )
    _NAMES.update(session, row, values)
    return row


def delete(session: Session, segment_uuid: str) -> None:
    """Soft-delete the segment and, in the same transaction, all of its hosts."""
    row = _load(session, segment_uuid)
    if in_use(session, segment_uuid):
        raise errors.Conflict(
            f"Failover segment ({segment_uuid}) can't be deleted as it is in-use to "
            "process notifications."
        )
    now = utcnow()
    session.execute(
        update(Host)
        .where(Host.failover_segment_id == segment_uuid, Host.deleted == 0)
        .values(deleted=Host.id, deleted_at=now)
        .execution_options(synchronize_session=False)
    )
    row.deleted = row.id
    row.deleted_at = now
    session.flush()
