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
        port = None
        deadline = time.monotonic() + 20
        while port is None and time.monotonic() < deadline:
            line = proc.stderr.readline()
            found = re.search(r"http://127\.0\.0\.1:(\d+)", line)
            port = int(found.group(1)) if found else None
        assert port, "no listening address in the log"
        base = f"http://127.0.0.1:{port}"
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
