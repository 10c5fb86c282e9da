"""Rows for engine tests: a segment, hosts and notifications written straight to SQL."""

from __future__ import annotations

import datetime as dt
import uuid

from masakari_lite.db import migration, notifications
from masakari_lite.db.models import FailoverSegment, Host, Notification, utcnow
from masakari_lite.db.session import session_scope


def migrate(url: str) -> str:
    migration.upgrade(url)
    return url


def segment(url: str, recovery_method: str = "auto", enabled: bool = True, name=None) -> str:
    seg_uuid = str(uuid.uuid4())
    with session_scope(url) as s:
        s.add(
            FailoverSegment(
                uuid=seg_uuid,
                name=name or f"seg-{seg_uuid[:8]}",
                service_type="COMPUTE",
                enabled=enabled,
                recovery_method=recovery_method,
            )
        )
    return seg_uuid


def host(
    url: str,
    segment_uuid: str,
    name: str,
    reserved: bool = False,
    on_maintenance: bool = False,
    control_attributes: str = "",
    created_at: dt.datetime | None = None,
) -> str:
    host_uuid = str(uuid.uuid4())
    with session_scope(url) as s:
        s.add(
            Host(
                uuid=host_uuid,
                name=name,
                reserved=reserved,
                type="COMPUTE",
                control_attributes=control_attributes,
                on_maintenance=on_maintenance,
                failover_segment_id=segment_uuid,
                created_at=created_at or utcnow(),
            )
        )
    return host_uuid


def notification(
    url: str,
    host_uuid: str,
    type_: str,
    payload: dict,
    created_at: dt.datetime | None = None,
    status: str = "new",
) -> str:
    n_uuid = str(uuid.uuid4())
    now = created_at or utcnow()
    with session_scope(url) as s:
        s.add(
            Notification(
                notification_uuid=n_uuid,
                generated_time=now,
                source_host_uuid=host_uuid,
                type=type_,
                payload=notifications.canonical(payload),
                status=status,
                created_at=now,
            )
        )
    return n_uuid


def get(url: str, n_uuid: str) -> Notification:
    with session_scope(url) as s:
        return s.query(Notification).filter_by(notification_uuid=n_uuid).one()


HOST_DOWN = {"event": "STOPPED", "host_status": "NORMAL", "cluster_status": "OFFLINE"}
