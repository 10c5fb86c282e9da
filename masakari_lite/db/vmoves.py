"""VM move queries (read side). Functions take a Session and never commit."""

from __future__ import annotations

from sqlalchemy import Row, bindparam, select

from masakari_lite.db import errors, notifications
from masakari_lite.db.listing import ListParams, Reader, paginate
from masakari_lite.db.models import VMove

T = VMove.__table__
_GET = select(T).where(
    T.c.uuid == bindparam("uuid"),
    T.c.notification_uuid == bindparam("notification"),
    T.c.deleted == 0,
)


def _host_notification(session: Reader, notification_uuid: str) -> Row:
    row = notifications.get(session, notification_uuid)
    if row.type != "COMPUTE_HOST":
        raise errors.BadRequest(f"This notification {notification_uuid} without vm moves.")
    return row


def list_(session: Reader, notification_uuid: str, filters: dict, params: ListParams) -> list[Row]:
    _host_notification(session, notification_uuid)
    chosen = {"notification_uuid": notification_uuid}
    chosen.update({k: filters[k] for k in ("status", "type") if k in filters})
    return paginate(session, VMove, chosen, params)


def get(session: Reader, notification_uuid: str, vmove_uuid: str) -> Row:
    _host_notification(session, notification_uuid)
    row = session.execute(_GET, {"uuid": vmove_uuid, "notification": notification_uuid}).first()
    if row is None:
        raise errors.vmove_not_found(vmove_uuid)
    return row
