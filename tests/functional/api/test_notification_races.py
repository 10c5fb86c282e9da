"""Simultaneous identical notifications: exactly one is accepted, without any sleep."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter

import httpx


def test_concurrent_duplicates_accept_exactly_one(real_api):
    with httpx.Client(base_url=real_api.v1) as c:
        seg = c.post(
            "/segments",
            json={
                "segment": {"name": "race", "recovery_method": "auto", "service_type": "COMPUTE"}
            },
        ).json()
        c.post(
            f"/segments/{seg['segment']['uuid']}/hosts",
            json={"host": {"name": "host1", "type": "COMPUTE", "control_attributes": "SSH"}},
        )
    body = {
        "notification": {
            "type": "COMPUTE_HOST",
            "hostname": "host1",
            "generated_time": dt.datetime.utcnow().isoformat(),
            "payload": {"event": "STOPPED", "host_status": "NORMAL", "cluster_status": "OFFLINE"},
        }
    }
    statuses: list[int] = []
    barrier = threading.Barrier(8)

    def send():
        with httpx.Client(base_url=real_api.v1, timeout=60) as c:
            barrier.wait()
            statuses.append(c.post("/notifications", json=body).status_code)

    threads = [threading.Thread(target=send) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert Counter(statuses) == {202: 1, 409: 7}
    with httpx.Client(base_url=real_api.v1) as c:
        assert len(c.get("/notifications").json()["notifications"]) == 1
    assert len(real_api.rung(1)) == 1
