"""`db purge` removes old soft-deleted rows and old finished notifications, nothing else."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import uuid

from sqlalchemy import func, select

from masakari_lite.db import migration, models
from masakari_lite.db.purge import purge
from masakari_lite.db.session import dispose_all, session_scope

NOW = dt.datetime(2026, 11, 25, 12, 0, 0)
OLD = NOW - dt.timedelta(days=40)
RECENT = NOW - dt.timedelta(days=2)


def _segment(name: str, deleted_at: dt.datetime | None = None) -> models.FailoverSegment:
    seg = models.FailoverSegment(
        uuid=str(uuid.uuid4()),
        name=name,
        service_type="COMPUTE",
        recovery_method="auto",
        created_at=OLD,
    )
    if deleted_at:
        seg.deleted_at = deleted_at
    return seg


def _notification(status: str, updated_at: dt.datetime | None, **kw) -> models.Notification:
    return models.Notification(
        notification_uuid=str(uuid.uuid4()),
        generated_time=OLD,
        source_host_uuid=str(uuid.uuid4()),
        type="COMPUTE_HOST",
        payload=json.dumps({"event": "STOPPED"}),
        status=status,
        created_at=OLD,
        updated_at=updated_at,
        **kw,
    )


def _populate(url: str) -> dict[str, str]:
    """Rows that must go and rows that must stay; returns names to find them by."""
    keep = {}
    with session_scope(url) as s:
        live = _segment("live")
        gone_old = _segment("gone-old", deleted_at=OLD)
        gone_recent = _segment("gone-recent", deleted_at=RECENT)
        s.add_all([live, gone_old, gone_recent])
        s.flush()
        gone_old.deleted = gone_old.id
        gone_recent.deleted = gone_recent.id
        s.add_all(
            [
                models.Host(
                    uuid=str(uuid.uuid4()),
                    name="h-live",
                    type="COMPUTE",
                    control_attributes="",
                    failover_segment_id=live.uuid,
                    created_at=OLD,
                ),
                models.Host(
                    uuid=str(uuid.uuid4()),
                    name="h-gone-old",
                    type="COMPUTE",
                    control_attributes="",
                    failover_segment_id=gone_old.uuid,
                    created_at=OLD,
                    deleted_at=OLD,
                    deleted=1,
                ),
                models.Host(
                    uuid=str(uuid.uuid4()),
                    name="h-gone-recent",
                    type="COMPUTE",
                    control_attributes="",
                    failover_segment_id=gone_recent.uuid,
                    created_at=OLD,
                    deleted_at=RECENT,
                    deleted=2,
                ),
            ]
        )
        old_finished = _notification("finished", OLD)
        old_failed_never_updated = _notification("failed", None)
        recent_finished = _notification("finished", RECENT)
        old_running = _notification("running", OLD)
        old_error = _notification("error", OLD)
        s.add_all([old_finished, old_failed_never_updated, recent_finished, old_running, old_error])
        s.flush()
        for n in (old_finished, recent_finished, old_running):
            s.add(
                models.RecoveryStep(
                    notification_uuid=n.notification_uuid, name="EvacuateInstancesTask"
                )
            )
            s.add(
                models.VMove(
                    uuid=str(uuid.uuid4()),
                    notification_uuid=n.notification_uuid,
                    instance_uuid=str(uuid.uuid4()),
                    status="succeeded",
                    created_at=OLD,
                )
            )
        keep = {
            "recent_finished": recent_finished.notification_uuid,
            "old_running": old_running.notification_uuid,
            "old_error": old_error.notification_uuid,
        }
    return keep


def _count(url, model, *where) -> int:
    with session_scope(url) as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


def test_purge_deletes_what_it_should_and_nothing_else(db_url):
    migration.upgrade(db_url)
    keep = _populate(db_url)

    with session_scope(db_url) as s:
        counts = purge(s, age_in_days=30, now=NOW)

    assert counts == {
        "recovery_steps": 1,
        "vmoves": 1,
        "notifications": 2,
        "hosts": 1,
        "failover_segments": 1,
    }
    with session_scope(db_url) as s:
        segments = set(s.scalars(select(models.FailoverSegment.name)))
        hosts = set(s.scalars(select(models.Host.name)))
        notifications = set(s.scalars(select(models.Notification.notification_uuid)))
    assert segments == {"live", "gone-recent"}
    assert hosts == {"h-live", "h-gone-recent"}
    assert notifications == set(keep.values())
    # The steps and vmoves of the kept notifications are still there.
    assert _count(db_url, models.RecoveryStep) == 2
    assert _count(db_url, models.VMove) == 2


def test_purge_with_age_zero_keeps_unfinished_work(db_url):
    migration.upgrade(db_url)
    keep = _populate(db_url)
    with session_scope(db_url) as s:
        purge(s, age_in_days=0, now=NOW)
    with session_scope(db_url) as s:
        notifications = set(s.scalars(select(models.Notification.notification_uuid)))
        segments = set(s.scalars(select(models.FailoverSegment.name)))
    assert notifications == {keep["old_running"], keep["old_error"]}
    assert segments == {"live"}


def _manage(conf_file, *args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "masakari_lite.cmd.manage", "--config-file", str(conf_file), *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_manage_db_commands_end_to_end(db_url, tmp_path):
    conf_file = tmp_path / "masakari-lite.conf"
    conf_file.write_text(f"[DEFAULT]\nstate_path = {tmp_path}\n[database]\nconnection = {db_url}\n")

    before = _manage(conf_file, "db", "version")
    assert before.returncode == 0, before.stderr
    assert before.stdout.strip() == "None"

    sync = _manage(conf_file, "db", "sync")
    assert sync.returncode == 0, sync.stderr
    version = _manage(conf_file, "db", "version")
    assert version.stdout.strip() == migration.head()

    dispose_all()
    _populate(db_url)
    purged = _manage(conf_file, "db", "purge", "--age-in-days", "1")
    assert purged.returncode == 0, purged.stderr
    assert "notifications: 3 row(s) deleted" in purged.stdout

    bad = _manage(conf_file, "db", "purge", "--age-in-days", "-1")
    assert bad.returncode == 2
    assert "--age-in-days must be 0 or more" in bad.stderr
