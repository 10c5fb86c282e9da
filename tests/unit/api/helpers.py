"""Small builders shared by the API tests (each test uses its own unique names)."""

from __future__ import annotations

import datetime as dt
import uuid

import httpx

V12 = {"OpenStack-API-Version": "instance-ha 1.2"}
V11 = {"OpenStack-API-Version": "instance-ha 1.1"}


def unique(prefix: str = "x") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def make_segment(client: httpx.Client, **fields) -> dict:
    body = {"name": unique("seg"), "recovery_method": "auto", "service_type": "COMPUTE"}
    body.update(fields)
    headers = V12 if "enabled" in fields else {}
    r = client.post("/segments", json={"segment": body}, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()["segment"]


def make_host(client: httpx.Client, segment: str, **fields) -> dict:
    body = {"name": unique("compute"), "type": "COMPUTE", "control_attributes": "SSH"}
    body.update(fields)
    r = client.post(f"/segments/{segment}/hosts", json={"host": body})
    assert r.status_code == 201, r.text
    return r.json()["host"]


def now() -> str:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat()


def notify(client: httpx.Client, hostname: str, type_: str = "PROCESS", payload=None, when=None):
    payloads = {
        "PROCESS": {"event": "STOPPED", "process_name": "nova-compute"},
        "COMPUTE_HOST": {"event": "STOPPED", "host_status": "NORMAL", "cluster_status": "OFFLINE"},
        "VM": {
            "event": "LIFECYCLE",
            "instance_uuid": str(uuid.uuid4()),
            "vir_domain_event": "STOPPED_FAILED",
        },
    }
    body = {
        "type": type_,
        "hostname": hostname,
        "generated_time": when or now(),
        "payload": payload if payload is not None else payloads[type_],
    }
    return client.post("/notifications", json={"notification": body})


def fault(response: httpx.Response) -> tuple[str, int, str]:
    ((name, inner),) = response.json().items()
    return name, inner["code"], inner["message"]
