"""masakari-lite-api --config-file F: uvicorn workers on the configured address."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import httpx

from masakari_lite.db import migration

PORT = 18851


def test_serves_with_workers_from_the_config_file(tmp_path):
    db = f"sqlite:///{tmp_path}/api.sqlite"
    migration.upgrade(db)
    conf = tmp_path / "api.conf"
    conf.write_text(
        "[DEFAULT]\nauth_strategy = noauth2\nmasakari_api_listen = 127.0.0.1\n"
        f"masakari_api_listen_port = {PORT}\nmasakari_api_workers = 2\n"
        f"transport_url = fake://\n[database]\nconnection = {db}\n"
    )
    exe = os.path.join(os.path.dirname(sys.executable), "masakari-lite-api")
    proc = subprocess.Popen(
        [exe, "--config-file", str(conf)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                r = httpx.post(
                    f"http://127.0.0.1:{PORT}/v1/segments",
                    json={
                        "segment": {
                            "name": "served",
                            "recovery_method": "auto",
                            "service_type": "C",
                        }
                    },
                )
                break
            except httpx.TransportError:
                assert proc.poll() is None and time.monotonic() < deadline, "did not start"
                time.sleep(0.2)
        assert r.status_code == 201
        statuses = {httpx.get(f"http://127.0.0.1:{PORT}/v1/segments").status_code for _ in range(4)}
        assert statuses == {200}
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        out, _ = proc.communicate(timeout=30)
    started = [line for line in out.splitlines() if "Started server process" in line]
    assert len(started) == 2, out
    assert "masakari_lite.api.access" in out and '"POST /v1/segments" status: 201' in out
