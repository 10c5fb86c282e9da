"""Host queries. Functions take a Session and never commit.

Host names are unique among all live hosts, whatever their segment: a host
belongs to one segment only.
"""

from __future__ import annotations

import uuid as uuidlib
from types import SimpleNamespace

from sqlalchemy import Row, bindparam, select
from sqlalchemy.orm import Session

from masakari_lite.db import errors, segments
from masakari_lite.db.listing import ListParams, Reader, paginate
from masakari_lite.db.models import FailoverSegment, Host, utcnow
from masakari_lite.db.unique import UniqueName

FILTERS = ("type", "on_maintenance", "reserved", "name", "control_attributes")


T = Host.__table__
_SEGMENTS = FailoverSegment.__table__

# Built once: statement construction costs more than the SQLite query itself.
_GET = select(T).where(
    T.c.uuid == bindparam("uuid"),
    T.c.failover_segment_id == bindparam("segment"),
    T.c.deleted == 0,
)
_SEGMENT_PREFIX = "segment__"
_GET_WITH_SEGMENT = (
    select(T, *(c.label(_SEGMENT_PREFIX + c.name) for c in _SEGMENTS.c))
    .join(_SEGMENTS, _SEGMENTS.c.uuid == T.c.failover_segment_id)
    .where(
        T.c.uuid == bindparam("uuid"),
        T.c.failover_segment_id == bindparam("segment"),
        T.c.deleted == 0,
        _SEGMENTS.c.deleted == 0,
    )
)
_NAMES = UniqueName(T, "Host")


def get(session: Reader, segment_uuid: str, host_uuid: str) -> Row:
    """The live host of that segment as a read-only row."""
    row = session.execute(_GET, {"uuid": host_uuid, "segment": segment_uuid}).first()
    if row is None:
        raise errors.host_not_in_segment(host_uuid, segment_uuid)
    return row


def get_with_segment(session: Reader, segment_uuid: str, host_uuid: str) -> tuple:
    """The live host and its segment, in one query: (host, segment) read-only rows."""
    row = session.execute(_GET_WITH_SEGMENT, {"uuid": host_uuid, "segment": segment_uuid}).first()
    if row is None:
        segments.get(session, segment_uuid)  # 404 for the segment first, as upstream
        raise errors.host_not_in_segment(host_uuid, segment_uuid)
    values = row._mapping
    host = SimpleNamespace(**{c.name: values[c.name] for c in T.c})
    seg = SimpleNamespace(**{c.name: values[_SEGMENT_PREFIX + c.name] for c in _SEGMENTS.c})
    return host, seg


def _load(session: Session, segment_uuid: str, host_uuid: str) -> Host:
    """The live host as an ORM object, to change it."""
    row = session.scalars(
        select(Host).where(
            Host.uuid == host_uuid,
            Host.failover_segment_id == segment_uuid,
            Host.deleted == 0,
        )
    ).first()
    if row is None:
        raise errors.host_not_in_segment(host_uuid, segment_uuid)
    return row


_BY_NAME = select(T).where(T.c.name == bindparam("name"), T.c.deleted == 0)
# Serializes notification acceptance per host on PostgreSQL and MySQL; SQLite
# transactions already hold the write lock from BEGIN IMMEDIATE.
_BY_NAME_LOCKED = _BY_NAME.with_for_update()


def get_by_name(session: Session, name: str, *, lock: bool = False) -> Row | None:
    """The live host called ``name``; with ``lock``, its row stays locked until the commit."""
    statement = _BY_NAME_LOCKED if lock else _BY_NAME
    return session.connection().execute(statement, {"name": name}).first()


def list_(session: Reader, segment_uuid: str, filters: dict, params: ListParams) -> list[Row]:
    """The segment's hosts; the caller has checked that the segment exists."""
    chosen = {"failover_segment_id": segment_uuid}
    chosen.update({k: filters[k] for k in FILTERS if k in filters})
    return paginate(session, Host, chosen, params)


def create(session: Session, segment_uuid: str, values: dict) -> tuple[SimpleNamespace, Row]:
    """The new host and its segment's row."""
    segment = segments.get(session, segment_uuid)
    row = _NAMES.insert(
        session,
        {
            "uuid": str(uuidlib.uuid4()),
            "failover_segment_id": segment_uuid,
            "deleted": 0,
            "created_at": utcnow(),
            "reserved": values.get("reserved", False),
            "on_maintenance": values.get("on_maintenance", False),
            "name": values["name"],
            "type": values["type"],
            "control_attributes": values["control_attributes"],
        },
    )
    return row, segment


def _check_idle(session: Reader, segment_uuid: str, host_uuid: str, action: str) -> None:
    if segments.in_use(session, segment_uuid):
        raise errors.Conflict(
            f"Host {host_uuid} can't be {action} as it is in-use to process notifications."
        )


def check_mutable(session: Reader, segment_uuid: str, host_uuid: str, action: str) -> None:
    """404 unless the host is live in that segment; 409 while the segment is busy."""
    get(session, segment_uuid, host_uuid)
    _check_idle(session, segment_uuid, host_uuid, action)


def update_(session: Session, segment_uuid: str, host_uuid: str, values: dict) -> Host:
    row = _load(session, segment_uuid, host_uuid)
    _check_idle(session, segment_uuid, host_uuid, "updated")
    _NAMES.update(session, row, values)
    return row


def delete(session: Session, segment_uuid: str, host_uuid: str) -> None:
    row = _load(session, segment_uuid, host_uuid)
    _check_idle(session, segment_uuid, host_uuid, "deleted")
    row.deleted = row.id
    row.deleted_at = utcnow()
    session.flush()
