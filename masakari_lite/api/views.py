"""Rows to wire dicts: every field upstream returns, timestamps as YYYY-MM-DDTHH:MM:SS.ffffff."""

from __future__ import annotations

import datetime as dt
import json

from masakari_lite.db.models import FailoverSegment, Host, Notification, RecoveryStep, VMove
from masakari_lite.db.notifications import payload_of


def ts(value: dt.datetime | None) -> str | None:
    # isoformat of a naive datetime is exactly YYYY-MM-DDTHH:MM:SS.ffffff, and cheaper.
    return None if value is None else value.isoformat(timespec="microseconds")


def _soft_delete(row) -> dict:
    return {
        "created_at": ts(row.created_at),
        "updated_at": ts(row.updated_at),
        "deleted_at": ts(row.deleted_at),
        "deleted": bool(row.deleted),
    }


def segment(row: FailoverSegment) -> dict:
    return {
        "id": row.id,
        "uuid": row.uuid,
        "name": row.name,
        "service_type": row.service_type,
        "enabled": bool(row.enabled),
        "description": row.description,
        "recovery_method": row.recovery_method,
        **_soft_delete(row),
    }


def host(row: Host, seg: FailoverSegment | dict) -> dict:
    """A host; ``seg`` is its segment's row, or that row already rendered (lists)."""
    return {
        "id": row.id,
        "uuid": row.uuid,
        "name": row.name,
        "type": row.type,
        "control_attributes": row.control_attributes,
        "reserved": bool(row.reserved),
        "on_maintenance": bool(row.on_maintenance),
        "failover_segment_id": row.failover_segment_id,
        "failover_segment": seg if isinstance(seg, dict) else segment(seg),
        **_soft_delete(row),
    }


def notification(row: Notification) -> dict:
    return {
        "id": row.id,
        "notification_uuid": row.notification_uuid,
        "type": row.type,
        "generated_time": ts(row.generated_time),
        "source_host_uuid": row.source_host_uuid,
        "failover_segment_uuid": row.failover_segment_uuid,
        "payload": payload_of(row),
        "status": row.status,
        "message": row.message,
        **_soft_delete(row),
    }


def _text(value) -> str | None:
    return None if value is None else str(value)


def _details(raw: str | None) -> list[dict]:
    try:
        entries = json.loads(raw) if raw else []
    except ValueError:
        return []
    if not isinstance(entries, list):
        return []
    return [
        {
            "timestamp": _text(e.get("timestamp")),
            "message": _text(e.get("message")),
            "progress": _text(e.get("progress")),
        }
        for e in entries
        if isinstance(e, dict)
    ]


def recovery_step(row: RecoveryStep) -> dict:
    return {
        "name": row.name,
        "state": row.state,
        "progress": float(row.progress or 0.0),
        "progress_details": _details(row.details),
    }


def vmove(row: VMove) -> dict:
    return {
        "id": row.id,
        "uuid": row.uuid,
        "notification_uuid": row.notification_uuid,
        "instance_uuid": row.instance_uuid,
        "instance_name": row.instance_name,
        "source_host": row.source_host,
        "dest_host": row.dest_host,
        "start_time": ts(row.start_time),
        "end_time": ts(row.end_time),
        "type": row.type,
        "status": row.status,
        "message": row.message,
        **_soft_delete(row),
    }
