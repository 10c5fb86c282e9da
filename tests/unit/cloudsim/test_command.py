"""`masakari-lite cloudsim` as a real process: it serves the cloud it was asked for."""

from __future__ import annotations

import re
import subprocess
import sys
import time

import httpx


def test_cloudsim_command_serves_a_cloud():
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "masakari_lite.cmd.cli",
            "cloudsim",
            "--port",
            "0",
            "--hosts",
            "2",
            "--instances-per-host",
            "3",
            "--ha-fraction",
            "1",
            "--seed",
            "3",
            "--set",
            "guests_survive_failure=true",
            "--set",
            "evacuation_time=0.3",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        banner = proc.stdout.readline()
        assert "2 hosts, 6 instances" in banner
        compute = proc.stdout.readline()
        # --port 0: the banner names the port the kernel chose
        found = re.search(r"compute  http://127\.0\.0\.1:(\d+)/v2\.1", compute)
        assert found, compute
        port = int(found.group(1))
        assert port != 0
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while True:  # the socket is bound before the banner; uvicorn serves it a moment later
            try:
                httpx.get(f"{base}/", timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "nothing answers on the announced port"
                time.sleep(0.05)
        assert httpx.get(f"{base}/").json()["versions"][0]["version"] == "2.95"
        config = httpx.get(f"{base}/_sim/config").json()
        assert config["guests_survive_failure"] is True and config["evacuation_time"] == 0.3
        servers = httpx.get(f"{base}/v2.1/servers/detail?all_tenants=1").json()["servers"]
        assert len(servers) == 6 and all(s["metadata"] == {"HA_Enabled": "True"} for s in servers)
    finally:
        proc.terminate()
        proc.wait(10)


def test_cloudsim_command_rejects_unknown_settings():
    done = subprocess.run(
        [sys.executable, "-m", "masakari_lite.cmd.cli", "cloudsim", "--set", "nosuch=1"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 2 and "unknown config key: nosuch" in done.stdout
