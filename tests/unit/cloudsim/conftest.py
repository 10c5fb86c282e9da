"""Helpers shared by the cloudsim tests: raw calls through the sdk's compute adapter."""

from __future__ import annotations

from typing import Any

import pytest


class Nova:
    """Raw compute calls at an explicit microversion through openstacksdk's session."""

    def __init__(self, conn):
        self.conn = conn

    def call(self, method: str, path: str, mv: str = "2.1", body: Any = None):
        return self.conn.compute.request(path, method, json=body, microversion=mv, raise_exc=False)

    def action(self, server_id: str, body: dict, mv: str = "2.1"):
        return self.call("POST", f"/servers/{server_id}/action", mv, body)

    def server(self, server_id: str, mv: str = "2.1") -> dict:
        resp = self.call("GET", f"/servers/{server_id}", mv)
        assert resp.status_code == 200, resp.text
        return resp.json()["server"]

    def service(self, host: str, mv: str = "2.53") -> dict:
        resp = self.call("GET", f"/os-services?binary=nova-compute&host={host}", mv)
        assert resp.status_code == 200, resp.text
        (svc,) = resp.json()["services"]
        return svc


def settled(cloudsim, server_id: str) -> None:
    """Wait until the server is idle and its evacuations have finished (host switched)."""
    cloud = cloudsim.cloud

    def idle() -> bool:
        with cloud.lock:
            inst = cloud.instances[server_id]
            return inst.task_state is None and not cloud.evacuating(server_id)

    cloudsim.wait_for(idle, timeout=5)


def message(resp) -> str:
    body = resp.json()
    (fault,) = body.values()
    assert fault["code"] == resp.status_code
    return fault["message"]


@pytest.fixture
def nova(cloudsim_sdk) -> Nova:
    return Nova(cloudsim_sdk)
