"""Notifications: acceptance rules and their order, the doorbell, progress, vmoves."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest
from sqlalchemy import update

from masakari_lite.db import session as db_session
from masakari_lite.db.models import Notification, RecoveryStep, VMove
from tests.unit.api.helpers import V11, V12, fault, make_host, make_segment, notify, unique
from tests.unit.api.live import live_api


def _set_status(db_url: str, notification_uuid: str, status: str) -> None:
    with db_session.session_scope(db_url) as s:
        s.execute(
            update(Notification)
            .where(Notification.notification_uuid == notification_uuid)
            .values(status=status)
        )


@pytest.fixture
def host(client):
    seg = make_segment(client)
    return make_host(client, seg["uuid"])


def test_accepted_with_every_field_and_rung_after_commit(client, api, host):
    r = notify(client, host["name"], "COMPUTE_HOST", when="2025-03-14T09:40:00.512345")
    assert r.status_code == 202
    n = r.json()["notification"]
    assert n["status"] == "new" and n["source_host_uuid"] == host["uuid"]
    assert n["failover_segment_uuid"] == host["failover_segment_id"]
    assert n["generated_time"] == "2025-03-14T09:40:00.512345"
    assert n["payload"] == {
        "event": "STOPPED",
        "host_status": "NORMAL",
        "cluster_status": "OFFLINE",
    }
    assert n["message"] is None and n["deleted"] is False
    assert "hostname" not in n and "recovery_workflow_details" not in n
    assert api.has_rung(n["notification_uuid"])
    assert client.get(f"/notifications/{n['notification_uuid']}").json()["notification"] == n


def test_generated_time_with_zone_is_stored_as_utc(client, host):
    r = notify(client, host["name"], when="2025-03-14T11:40:00+02:00")
    assert r.json()["notification"]["generated_time"] == "2025-03-14T09:40:00.000000"


def test_unknown_host_is_400(client):
    name = unique("nobody")
    r = notify(client, name)
    assert r.status_code == 400
    assert fault(r)[2] == f"Host with name {name} could not be found."


def test_host_on_maintenance_is_409_before_duplicate_check(client, host):
    seg = host["failover_segment_id"]
    client.put(f"/segments/{seg}/hosts/{host['uuid']}", json={"host": {"on_maintenance": True}})
    r = notify(client, host["name"], "VM")
    assert r.status_code == 409
    assert fault(r)[2] == (
        f"Notification received from host {host['name']} of type 'VM' is "
        "ignored as the host is already under maintenance."
    )


def test_duplicate_within_the_window_is_409_whatever_its_status(client, api, host):
    payload = {"event": "STOPPED", "process_name": "nova-compute"}
    first = notify(client, host["name"], payload=payload, when="2025-03-14T09:40:00")
    assert first.status_code == 202
    _set_status(api.db_url, first.json()["notification"]["notification_uuid"], "finished")
    for when in ("2025-03-14T09:42:59", "2025-03-14T09:30:00"):
        r = notify(client, host["name"], payload=payload, when=when)
        assert r.status_code == 409, when
        assert fault(r)[2] == (
            f"Notification received from host {host['name']} of type PROCESS is duplicate."
        )
    assert (
        notify(client, host["name"], payload=payload, when="2025-03-14T09:43:01").status_code == 202
    )
    other = {"event": "STOPPED", "process_name": "libvirtd"}
    assert (
        notify(client, host["name"], payload=other, when="2025-03-14T09:40:00").status_code == 202
    )


def test_disabled_segment_is_accepted(client):
    seg = make_segment(client, enabled=False)
    h = make_host(client, seg["uuid"])
    assert notify(client, h["name"]).status_code == 202


def test_failing_doorbell_keeps_the_202_and_the_row(tmp_path):
    def broken_cast(_uuid):
        raise RuntimeError("broker down")

    with live_api(f"sqlite:///{tmp_path}/c.sqlite", cast=broken_cast) as live:
        import httpx

        with httpx.Client(base_url=live.v1) as c:
            h = make_host(c, make_segment(c)["uuid"])
            r = notify(c, h["name"])
            assert r.status_code == 202
            nid = r.json()["notification"]["notification_uuid"]
            assert c.get(f"/notifications/{nid}").json()["notification"]["status"] == "new"


@pytest.mark.parametrize(
    ("type_", "payload", "message"),
    [
        (
            "PROCESS",
            {"event": "stopped", "process_name": "x"},
            "Invalid input for field/attribute event. Value: stopped. 'stopped' is not one of "
            "['STARTED', 'STOPPED']",
        ),
        ("PROCESS", {"event": "STOPPED"}, "'process_name' is a required property"),
        (
            "COMPUTE_HOST",
            {"event": "STOPPED", "extra": "x"},
            "Additional properties are not allowed ('extra' was unexpected)",
        ),
        (
            "VM",
            {"event": "LIFECYCLE", "instance_uuid": "nope", "vir_domain_event": "X"},
            "Invalid input for field/attribute instance_uuid. Value: nope. 'nope' is not a 'uuid'",
        ),
        ("VM", {"event": 1}, None),
        ("PROCESS", {"bad key!": "x"}, None),
        ("PROCESS", {"event": "STOPPED", "process_name": "x" * 256}, None),
    ],
)
def test_payload_validation(client, host, type_, payload, message):
    r = notify(client, host["name"], type_, payload=payload)
    assert r.status_code == 400, r.text
    if message:
        assert fault(r)[2] == message


@pytest.mark.parametrize(
    "field_value",
    [
        {"type": "compute_host"},
        {"hostname": "bad name"},
        {"hostname": ""},
        {"generated_time": "yesterday"},
        {"generated_time": "0001-01-01T00:00:00"},
        {"generated_time": "9999-12-31T23:59:59-05:00"},
        {"payload": []},
        {"extra": 1},
    ],
)
def test_envelope_validation(client, host, field_value):
    body = {
        "type": "PROCESS",
        "hostname": host["name"],
        "generated_time": "2025-01-01T00:00:00",
        "payload": {"event": "STOPPED", "process_name": "x"},
        **field_value,
    }
    r = client.post("/notifications", json={"notification": body})
    assert r.status_code == 400, r.text


def test_show_unknown_is_404(client):
    for nid in ("not-a-uuid", str(uuid.uuid4())):
        r = client.get(f"/notifications/{nid}")
        assert r.status_code == 404
        assert fault(r)[2] == f"No notification with id {nid}."


def test_recovery_workflow_details_from_1_1(client, api, host):
    nid = notify(client, host["name"], "COMPUTE_HOST").json()["notification"]["notification_uuid"]
    with db_session.session_scope(api.db_url) as s:
        s.add_all(
            [
                RecoveryStep(
                    notification_uuid=nid,
                    position=1,
                    name="PrepareHAEnabledInstancesTask",
                    state="RUNNING",
                    progress=0.5,
                    details=json.dumps(
                        [
                            {
                                "timestamp": "2025-03-14 09:42:02.1",
                                "message": "Preparing",
                                "progress": 0.5,
                            }
                        ]
                    ),
                ),
                RecoveryStep(
                    notification_uuid=nid,
                    position=0,
                    name="DisableComputeServiceTask",
                    state="SUCCESS",
                    progress=1.0,
                    details="[]",
                ),
            ]
        )
    assert (
        "recovery_workflow_details"
        not in client.get(f"/notifications/{nid}").json()["notification"]
    )
    for headers in (V11, V12, {"OpenStack-API-Version": "instance-ha latest"}):
        details = client.get(f"/notifications/{nid}", headers=headers).json()["notification"][
            "recovery_workflow_details"
        ]
        assert details == [
            {
                "name": "DisableComputeServiceTask",
                "state": "SUCCESS",
                "progress": 1.0,
                "progress_details": [],
            },
            {
                "name": "PrepareHAEnabledInstancesTask",
                "state": "RUNNING",
                "progress": 0.5,
                "progress_details": [
                    {
                        "timestamp": "2025-03-14 09:42:02.1",
                        "message": "Preparing",
                        "progress": "0.5",
                    }
                ],
            },
        ]
    listed = client.get("/notifications", headers=V11).json()["notifications"]
    assert all("recovery_workflow_details" not in n for n in listed)


def test_list_filters(client, api):
    seg = make_segment(client)
    h = make_host(client, seg["uuid"])
    old = notify(client, h["name"], "VM", when="2020-01-01T00:00:00").json()["notification"]
    new = notify(client, h["name"], "PROCESS", when="2024-06-01T00:00:00").json()["notification"]
    _set_status(api.db_url, old["notification_uuid"], "finished")

    def ids(**params):
        r = client.get("/notifications", params={"source_host_uuid": h["uuid"], **params})
        assert r.status_code == 200, r.text
        return [n["notification_uuid"] for n in r.json()["notifications"]]

    assert set(ids()) == {old["notification_uuid"], new["notification_uuid"]}
    assert ids(type="VM") == [old["notification_uuid"]]
    assert ids(status="new") == [new["notification_uuid"]]
    assert ids(**{"generated-since": "2023-01-01T00:00:00Z"}) == [new["notification_uuid"]]
    assert ids(sort_key="generated_time", sort_dir="asc") == [
        old["notification_uuid"],
        new["notification_uuid"],
    ]
    r = client.get("/notifications", params={"generated-since": "soon"})
    assert r.status_code == 400 and fault(r)[2] == "Invalid generated-since value"
    r = client.get("/notifications", params={"sort_key": "uuid"})
    assert r.status_code == 400


def _vmove(nid: str, **values) -> VMove:
    defaults = dict(
        uuid=str(uuid.uuid4()),
        notification_uuid=nid,
        instance_uuid=str(uuid.uuid4()),
        instance_name="web",
        source_host="a",
        dest_host=None,
        type="evacuation",
        status="pending",
        deleted=0,
        attempt=0,
        start_time=dt.datetime(2025, 3, 14, 9, 40, 20),
    )
    defaults.update(values)
    return VMove(**defaults)


def test_vmoves(client, api, host):
    nid = notify(client, host["name"], "COMPUTE_HOST").json()["notification"]["notification_uuid"]
    done, waiting = _vmove(nid, status="succeeded", dest_host="b"), _vmove(nid)
    with db_session.session_scope(api.db_url) as s:
        s.add_all([done, waiting])
    r = client.get(f"/notifications/{nid}/vmoves")
    assert r.status_code == 200
    assert {v["uuid"] for v in r.json()["vmoves"]} == {done.uuid, waiting.uuid}
    r = client.get(f"/notifications/{nid}/vmoves", params={"status": "succeeded"})
    assert [v["uuid"] for v in r.json()["vmoves"]] == [done.uuid]
    v = client.get(f"/notifications/{nid}/vmoves/{done.uuid}").json()["vmove"]
    assert v["dest_host"] == "b" and v["start_time"] == "2025-03-14T09:40:20.000000"
    assert set(v) == {
        "id",
        "uuid",
        "notification_uuid",
        "instance_uuid",
        "instance_name",
        "source_host",
        "dest_host",
        "start_time",
        "end_time",
        "type",
        "status",
        "message",
        "created_at",
        "updated_at",
        "deleted_at",
        "deleted",
    }
    r = client.get(f"/notifications/{nid}/vmoves/{uuid.uuid4()}")
    assert r.status_code == 404 and fault(r)[2].startswith("No vm move with id")


def test_vmove_errors(client, host):
    missing = str(uuid.uuid4())
    for path in (f"/notifications/{missing}/vmoves", f"/notifications/{missing}/vmoves/{missing}"):
        r = client.get(path)
        assert r.status_code == 404
        assert fault(r)[2] == f"No notification with id {missing}."
    nid = notify(client, host["name"], "VM").json()["notification"]["notification_uuid"]
    r = client.get(f"/notifications/{nid}/vmoves")
    assert r.status_code == 400
    assert fault(r)[2] == f"This notification {nid} without vm moves."
