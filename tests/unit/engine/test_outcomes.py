"""What the engine decides before it touches Nova, end to end through SQL.

Nova is not needed for any of these (``nova=None`` would fail loudly if a flow
called it), which is itself part of what is asserted.
"""

from __future__ import annotations

import pytest
from oslo_messaging.notify import _impl_test

from masakari_lite.db.models import Host
from masakari_lite.db.session import session_scope
from masakari_lite.db.states import NotificationStatus as S
from masakari_lite.engine.service import SEGMENT_DISABLED, EngineService
from tests.unit.engine import rows
from tests.unit.engine.support import make_conf, wait_for_status


@pytest.fixture
def engine(db, engine_conf):
    service = EngineService(engine_conf, nova=None, url=db)
    service.start()
    yield service
    service.stop()


@pytest.fixture
def seg_host(db):
    seg = rows.segment(db)
    return seg, rows.host(db, seg, "compute-1")


def _host(db, host_uuid) -> Host:
    with session_scope(db) as s:
        return s.query(Host).filter_by(uuid=host_uuid).one()


@pytest.mark.parametrize(
    ("type_", "payload", "status", "message"),
    [
        ("COMPUTE_HOST", {"event": "STARTED", "host_status": "NORMAL"}, S.FINISHED, "started"),
        ("COMPUTE_HOST", {"event": "STOPPED", "host_status": "UNKNOWN"}, S.IGNORED, "unconfirmed"),
        ("COMPUTE_HOST", {"event": "STOPPED"}, S.IGNORED, "unconfirmed"),
        ("COMPUTE_HOST", {"event": "REBOOTED", "host_status": "NORMAL"}, S.IGNORED, "not handled"),
        (
            "VM",
            {"event": "LIFECYCLE", "vir_domain_event": "STOPPED_SHUTDOWN", "instance_uuid": "x"},
            S.IGNORED,
            "does not call for recovery",
        ),
        ("PROCESS", {"event": "STOPPED", "process_name": "libvirtd"}, S.FINISHED, "not handled"),
        ("PROCESS", {"event": "STARTED", "process_name": "nova-compute"}, S.FINISHED, "started"),
    ],
)
def test_decisions_without_nova(db, engine, seg_host, type_, payload, status, message):
    _, host = seg_host
    n = rows.notification(db, host, type_, payload)
    assert engine.offer(n)
    row = wait_for_status(db, n)
    assert row.status == status
    assert message in row.message
    # Only a stopped process puts the host on maintenance, as upstream does.
    stopped_process = type_ == "PROCESS" and payload["event"] == "STOPPED"
    assert _host(db, host).on_maintenance is stopped_process


def test_disabled_segment_is_ignored_with_upstreams_message(db, engine):
    seg = rows.segment(db, enabled=False)
    host = rows.host(db, seg, "compute-9")
    n = rows.notification(db, host, "COMPUTE_HOST", rows.HOST_DOWN)
    engine.offer(n)
    row = wait_for_status(db, n)
    assert (row.status, row.message) == (S.IGNORED, SEGMENT_DISABLED)


def test_a_duplicate_offer_does_nothing(db, engine, seg_host):
    _, host = seg_host
    n = rows.notification(db, host, "PROCESS", {"event": "STARTED", "process_name": "x"})
    assert engine.offer(n)
    wait_for_status(db, n)
    assert not engine.offer(n)
    assert rows.get(db, n).attempt == 1


def test_the_sweeper_picks_up_a_notification_whose_cast_was_lost(db, engine, seg_host):
    _, host = seg_host
    n = rows.notification(db, host, "PROCESS", {"event": "STARTED", "process_name": "x"})
    # Nobody offers it: only the sweeper can find it, once it is older than the interval.
    row = wait_for_status(db, n, timeout=15)
    assert row.status == S.FINISHED and row.attempt == 1


def test_versioned_notifications_carry_the_written_status(db, seg_host):
    conf = make_conf(transport_url="fake://")
    conf.set_override("driver", ["test"], group="oslo_messaging_notifications")
    _impl_test.reset()
    service = EngineService(conf, nova=None, url=db)
    try:
        _, host = seg_host
        n = rows.notification(db, host, "COMPUTE_HOST", {"event": "STARTED"})
        service.offer(n)
        wait_for_status(db, n)
    finally:
        service.stop()
    messages = [message for _ctxt, message, _priority, _retry in _impl_test.NOTIFICATIONS]
    sent = [
        (m["event_type"], m["payload"]["masakari_object.data"]["status"], m["priority"])
        for m in messages
    ]
    assert sent == [
        ("notification.process.start", "running", "INFO"),
        ("notification.process.end", "finished", "INFO"),
    ]
    assert messages[0]["publisher_id"].startswith("masakari-engine:")
    payload = messages[0]["payload"]
    assert payload["masakari_object.name"] == "NotificationApiPayload"
    assert payload["masakari_object.data"]["notification_uuid"] == n
