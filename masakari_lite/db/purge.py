"""Hard-delete what nobody needs any more: `masakari-lite-manage db purge`."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from masakari_lite.db import models
from masakari_lite.db.states import TERMINAL


def purge(session: Session, age_in_days: int, now: dt.datetime | None = None) -> dict[str, int]:
    """Delete soft-deleted rows and terminal notifications older than ``age_in_days``.

    A notification goes together with its recovery steps and vmoves. Live
    segments and hosts, and unfinished notifications, are never touched.
    Returns the number of rows deleted per table.
    """
    now = now or models.utcnow()
    cutoff = now - dt.timedelta(days=age_in_days)
    N = models.Notification
    old_notifications = select(N.notification_uuid).where(
        N.status.in_([str(s) for s in TERMINAL]), _older_than(N, cutoff)
    )
    soft_deleted_notifications = select(N.notification_uuid).where(
        N.deleted != 0, N.deleted_at <= cutoff
    )
    doomed = set(session.scalars(old_notifications)) | set(
        session.scalars(soft_deleted_notifications)
    )
    uuids = sorted(doomed)
    counts = {"recovery_steps": 0, "vmoves": 0, "notifications": 0}
    for start in range(0, len(uuids), 500):
        chunk = uuids[start : start + 500]
        counts["recovery_steps"] += session.execute(
            delete(models.RecoveryStep).where(models.RecoveryStep.notification_uuid.in_(chunk))
        ).rowcount
        counts["vmoves"] += session.execute(
            delete(models.VMove).where(models.VMove.notification_uuid.in_(chunk))
        ).rowcount
        counts["notifications"] += session.execute(
            delete(N).where(N.notification_uuid.in_(chunk))
        ).rowcount
    # Soft-deleted vmoves of notifications that stay.
    counts["vmoves"] += session.execute(
        delete(models.VMove).where(models.VMove.deleted != 0, models.VMove.deleted_at <= cutoff)
    ).rowcount
    # Hosts before segments: a host row refers to its segment's uuid.
    counts["hosts"] = session.execute(
        delete(models.Host).where(models.Host.deleted != 0, models.Host.deleted_at <= cutoff)
    ).rowcount
    live_segment_uuids = select(models.Host.failover_segment_id)
    counts["failover_segments"] = session.execute(
        delete(models.FailoverSegment).where(
            models.FailoverSegment.deleted != 0,
            models.FailoverSegment.deleted_at <= cutoff,
            models.FailoverSegment.uuid.not_in(live_segment_uuids),
        )
    ).rowcount
    return counts


def _older_than(n, cutoff: dt.datetime):
    """Finished before the cutoff: by the last update, or the creation if never updated."""
    return func.coalesce(n.updated_at, n.created_at) <= cutoff
