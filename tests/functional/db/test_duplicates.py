"""Duplicate notifications are found by the database, exactly as upstream compares payloads."""

from __future__ import annotations

import datetime as dt

import pytest

from masakari_lite.db import errors, migration, notifications
from masakari_lite.db import hosts as db_hosts
from masakari_lite.db import segments as db_segments
from masakari_lite.db.session import dispose_all, session_scope

WHEN = dt.datetime(2026, 11, 25, 12, 0, 0)


@pytest.fixture
def host(db_url):
    migration.upgrade(db_url)
    with session_scope(db_url) as s:
        seg = db_segments.create(
            s, {"name": "seg", "service_type": "COMPUTE", "recovery_method": "auto"}
        )
        db_hosts.create(
            s, seg.uuid, {"name": "compute-1", "type": "COMPUTE", "control_attributes": "SSH"}
        )
    yield "compute-1"
    dispose_all()


def _notify(db_url, host, payload, when=WHEN):
    with session_scope(db_url) as s:
        return notifications.create(
            s,
            hostname=host,
            type_="PROCESS",
            generated_time=when,
            payload=payload,
            duplicate_window=180,
        )


def test_same_payload_in_another_key_order_is_a_duplicate(db_url, host):
    _notify(db_url, host, {"event": "STOPPED", "process_name": "nova-compute"})
    with pytest.raises(errors.Conflict, match="is duplicate"):
        _notify(db_url, host, {"process_name": "nova-compute", "event": "STOPPED"})


def test_payloads_differing_in_case_are_not_duplicates(db_url, host):
    # MySQL's default collation calls them equal; upstream's dict comparison does not.
    _notify(db_url, host, {"event": "STOPPED", "process_name": "nova-compute"})
    accepted = _notify(db_url, host, {"event": "STOPPED", "process_name": "NOVA-COMPUTE"})
    assert accepted.notification_uuid


def test_many_stored_events_of_a_host_do_not_hide_a_duplicate(db_url, host):
    for i in range(50):
        _notify(db_url, host, {"event": "STOPPED", "process_name": f"proc-{i}"})
    with pytest.raises(errors.Conflict):
        _notify(db_url, host, {"process_name": "proc-37", "event": "STOPPED"})
    outside = WHEN + dt.timedelta(seconds=181)
    assert _notify(db_url, host, {"event": "STOPPED", "process_name": "proc-37"}, outside)
