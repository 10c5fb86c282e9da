"""VM move queries (read side). Functions take a Session and never commit."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from masakari_lite.db import errors, notifications
from masakari_lite.db.listing import ListParams, paginate
from masakari_lite.db.models import Notification, VMove


def _host_notification(session: Session, notification_uuid: str) -> Notification:
    row = notifications.get(session, notification_uuid)
    if row.type != "COMPUTE_HOST":
        raise errors.BadRequest(f"This notification {notification_uuid} without vm moves.")
    return row


def list_(
    session: Session, notification_uuid: str, filters: dict, params: ListParams
) -> list[VMove]:
    _host_notification(session, notification_uuid)
    stmt = select(VMove).where(VMove.notification_uuid == notification_uuid, VMove.deleted == 0)
    for key in ("status", "type"):
        if key in filters:
            stmt = stmt.where(getattr(VMove, key) == filters[key])
    return paginate(session, VMove, stmt, params)


def get(session: Session, notification_uuid: str, vmove_uuid: str) -> VMove:
    _host_notification(session, notification_uuid)
    row = session.scalars(
        select(VMove).where(
            VMove.uuid == vmove_uuid,
            VMove.notification_uuid == notification_uuid,
            VMove.deleted == 0,
        )
    ).first()
    if row is None:
        raise errors.vmove_not_found(vmove_uuid)
    return row
