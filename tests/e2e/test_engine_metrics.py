"""A standalone masakari-lite-engine serves its own /metrics when [metrics] asks it to."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from masakari_lite.db import migration

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _samples(text: str) -> dict[str, float]:
    return {
        s.name: s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if not s.labels
    }


def test_engine_metrics_listener(tmp_path):
    db_url = f"sqlite:///{tmp_path}/engine.sqlite"
    migration.upgrade(db_url)
    port = _free_port()
    config = tmp_path / "engine.conf"
    config.write_text(
        "[DEFAULT]\n"
        "transport_url = fake://\n"
        f"state_path = {tmp_path}\n"
        "[database]\n"
        f"connection = {db_url}\n"
        "[metrics]\n"
        f"engine_listen_port = {port}\n"
        "engine_listen = 127.0.0.1\n"
    )
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from masakari_lite.cmd.engine import main; main()",
            "--config-file",
            str(config),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                samples = _samples(httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=2).text)
                if samples.get("masakari_lite_sweeper_runs_total", 0) >= 1:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None, proc.stderr.read()
            assert time.monotonic() < deadline, "no engine metrics"
            time.sleep(0.2)
        assert samples["masakari_lite_evacuations_in_flight"] == 0
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0
