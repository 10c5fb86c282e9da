"""The engine against a real Nova 34.0.0 (tools/realnova): a host fails, its instances come back.

The engine runs in this process (as ``masakari-lite serve`` runs it) on SQLite;
Nova is the real thing over HTTP, so this checks our reading of its states:
forced down before disabled, 2.95 evacuations landing SHUTOFF and started
again, and the move confirmed only once Nova recorded the new host.
"""

from __future__ import annotations

import time
import uuid

import httpx
import pytest

from masakari_lite.compute.client import NovaClient
from masakari_lite.db.states import NotificationStatus as S
from masakari_lite.engine.service import EngineService
from tests.unit.engine import rows
from tests.unit.engine.support import make_conf, wait_for_status

pytestmark = pytest.mark.slow

IMAGE = "155d900f-4e14-4e4c-a73d-069cbf4541e6"


def _nova(realnova, method: str, path: str, body=None):
    resp = httpx.request(
        method,
        f"{realnova.compute_url}{path}",
        json=body,
        headers={"OpenStack-API-Version": "compute 2.95"},
        timeout=60,
    )
    assert resp.status_code < 400, resp.text
    return resp.json() if resp.content else None


def _boot(realnova, host: str, count: int, ha: bool = True) -> list[str]:
    flavor = _nova(realnova, "GET", "/flavors")["flavors"][0]["id"]
    ids = []
    for i in range(count):
        server = {
            "name": f"{host}-{i}",
            "imageRef": IMAGE,
            "flavorRef": flavor,
            "networks": "none",
            "availability_zone": f"nova:{host}",
            "metadata": {"HA_Enabled": "True"} if ha else {},
        }
        ids.append(_nova(realnova, "POST", "/servers", {"server": server})["server"]["id"])
    deadline = time.monotonic() + 120
    for sid in ids:
        while _nova(realnova, "GET", f"/servers/{sid}")["server"]["status"] != "ACTIVE":
            assert time.monotonic() < deadline
            time.sleep(0.2)
    return ids


def test_host_failure_on_real_nova(realnova, sqlite_url):
    suffix = uuid.uuid4().hex[:6]
    failed, spare = f"rnfail{suffix}", f"rnspare{suffix}"
    realnova.start_host(failed)
    realnova.start_host(spare)
    ha = _boot(realnova, failed, 3)
    plain = _boot(realnova, failed, 1, ha=False)[0]
    realnova.stop_host(failed)

    rows.migrate(sqlite_url)
    seg = rows.segment(sqlite_url)
    host_uuid = rows.host(sqlite_url, seg, failed)
    rows.host(sqlite_url, seg, spare)
    conf = make_conf(wait_period_after_evacuation=120)
    conf.set_override("auth_type", "none", group="nova")
    conf.set_override("endpoint_override", realnova.compute_url, group="nova")
    engine = EngineService(conf, NovaClient(conf), url=sqlite_url)
    engine.start()
    try:
        n = rows.notification(sqlite_url, host_uuid, "COMPUTE_HOST", rows.HOST_DOWN)
        engine.offer(n)
        row = wait_for_status(sqlite_url, n, timeout=180)
    finally:
        engine.stop()
    assert row.status == S.FINISHED, row.message

    for sid in ha:
        server = _nova(realnova, "GET", f"/servers/{sid}")["server"]
        assert server["OS-EXT-SRV-ATTR:host"] != failed
        assert server["status"] == "ACTIVE" and server["OS-EXT-STS:task_state"] is None
        assert server["locked"] is False
    assert _nova(realnova, "GET", f"/servers/{plain}")["server"]["OS-EXT-SRV-ATTR:host"] == failed
    migrations = _nova(realnova, "GET", f"/os-migrations?source_compute={failed}")["migrations"]
    evacuations = [m for m in migrations if m["migration_type"] == "evacuation"]
    assert sorted(m["instance_uuid"] for m in evacuations) == sorted(ha), "one each"
    service = _nova(realnova, "GET", f"/os-services?host={failed}&binary=nova-compute")
    assert service["services"][0]["status"] == "disabled"
    assert service["services"][0]["forced_down"] is True
