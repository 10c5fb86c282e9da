"""``masakari-lite serve --with-cloudsim`` as a real process, driven with openstacksdk."""

from __future__ import annotations

import datetime as dt
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time

import httpx
import openstack
import pytest

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Served:
    def __init__(self, proc: subprocess.Popen, banner: str, port: int, log_path):
        self.proc = proc
        self.banner = banner
        self.url = f"http://127.0.0.1:{port}"
        self.endpoint = self.url + "/v1"
        match = re.search(r"cloudsim: Nova at (http://127\.0\.0\.1:\d+)/v2\.1", banner)
        assert match, banner
        self.sim_url = match.group(1)
        self.log_path = log_path

    def sdk(self):
        return openstack.connect(
            auth_type="none", auth={"endpoint": self.endpoint}, instance_ha_api_version="1.1"
        )


def _read_banner(proc: subprocess.Popen, timeout: float) -> str:
    lines: queue.Queue = queue.Queue()

    def pump() -> None:
        for line in proc.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    banner = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=0.5)
        except queue.Empty:
            continue
        if line is None:
            break
        banner.append(line)
        if line.startswith("metrics:"):
            return "".join(banner)
    raise AssertionError(f"no banner from serve: {''.join(banner)!r}")


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    state = tmp_path_factory.mktemp("serve")
    config = state / "masakari-lite.conf"
    config.write_text(f"[DEFAULT]\nstate_path = {state}\nverify_interval = 0.2\n")
    port = _free_port()
    log_path = state / "stderr.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "masakari_lite.cmd.cli",
                "serve",
                "--config-file",
                str(config),
                "--port",
                str(port),
                "--with-cloudsim",
            ],
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
        )
        try:
            yield Served(proc, _read_banner(proc, 60), port, log_path)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(10)


def test_banner_says_how_to_reach_it(served):
    assert f"export OS_AUTH_TYPE=none OS_ENDPOINT={served.endpoint}" in served.banner
    assert f'openstack.connect(auth_type="none", auth={{"endpoint": "{served.endpoint}"}})' in (
        served.banner
    )
    assert "noauth2" in served.banner


def test_the_simulated_keystone_catalog_leads_to_the_api(served):
    # What a devstack clouds.yaml holds: Keystone and a user, no endpoint of ours.
    conn = openstack.connect(
        auth_url=f"{served.sim_url}/identity/v3",
        username="demo",
        password="demo",
        project_name="demo",
        user_domain_id="default",
        project_domain_id="default",
    )
    assert conn.instance_ha.get_endpoint() == served.endpoint
    assert "its catalog lists this API as instance-ha" in served.banner
    seg = conn.instance_ha.create_segment(
        name="seg-catalog", recovery_method="auto", service_type="COMPUTE"
    )
    assert seg.uuid in {s.uuid for s in served.sdk().instance_ha.segments()}
    conn.instance_ha.delete_segment(seg.uuid)


def test_a_host_failure_is_recovered_end_to_end(served):
    ha = served.sdk().instance_ha
    segment = ha.create_segment(name="seg-serve", recovery_method="auto", service_type="COMPUTE")
    for host in ("host1", "host2", "host3"):
        ha.create_host(segment.uuid, name=host, type="COMPUTE", control_attributes="SSH")
    state = httpx.get(f"{served.sim_url}/_sim/state", params={"servers": "1"}).json()
    tagged = {
        s["id"]
        for s in state["servers"]
        if s["host"] == "host1" and s["metadata"].get("HA_Enabled") == "True"
    }
    assert tagged, "the simulator's cloud should have HA-tagged instances on host1"
    httpx.post(f"{served.sim_url}/_sim/hosts/host1/fail").raise_for_status()
    n = ha.create_notification(
        type="COMPUTE_HOST",
        hostname="host1",
        generated_time=dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat(),
        payload={"event": "STOPPED", "cluster_status": "OFFLINE", "host_status": "NORMAL"},
    )
    deadline = time.monotonic() + 60
    while (status := ha.get_notification(n.notification_uuid).status) not in (
        "finished",
        "failed",
        "ignored",
    ):
        assert time.monotonic() < deadline, f"still {status}"
        time.sleep(0.3)
    assert status == "finished"
    moves = list(ha.vmoves(n.notification_uuid))
    assert {m.server_id for m in moves} == tagged
    assert {m.status for m in moves} == {"succeeded"}
    after = httpx.get(f"{served.sim_url}/_sim/state", params={"servers": "1"}).json()
    landed = {s["id"]: s for s in after["servers"] if s["id"] in tagged}
    assert all(s["host"] in ("host2", "host3") and s["status"] == "ACTIVE" for s in landed.values())


def _sample(text: str, name: str, **labels: str) -> float | None:
    for line in text.splitlines():
        if not line.startswith(name + "{") and not line.startswith(name + " "):
            continue
        if all(f'{k}="{v}"' in line for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return None


def test_metrics_show_the_recovery(served):
    # Runs after the host failure above (module order).
    r = httpx.get(f"{served.url}/metrics")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/plain")
    text = r.text
    assert _sample(text, "masakari_lite_notifications", type="COMPUTE_HOST", status="finished") == 1
    assert _sample(text, "masakari_lite_claims_total", result="won", source="rpc") >= 1
    assert (
        _sample(
            text,
            "masakari_lite_recovery_duration_seconds_count",
            flow="COMPUTE_HOST",
            outcome="finished",
        )
        == 1
    )
    instances = _sample(
        text,
        "masakari_lite_instance_recovery_duration_seconds_count",
        flow="COMPUTE_HOST",
        outcome="succeeded",
    )
    assert instances is not None and instances >= 1
    assert _sample(text, "masakari_lite_evacuations_in_flight") == 0
    assert _sample(text, "masakari_lite_sweeper_runs_total") >= 1


def test_sigterm_stops_cleanly(served):
    served.proc.send_signal(signal.SIGTERM)
    assert served.proc.wait(30) == 0
    log = served.log_path.read_text()
    assert "Traceback" not in log
    assert re.search(r"Engine \S+ stopped", log)
    with pytest.raises(httpx.ConnectError):
        httpx.get(served.url + "/healthcheck", timeout=2)
