"""Real processes for engine end-to-end tests.

``masakari-lite-api`` and any number of ``masakari-lite-engine`` processes
share one PostgreSQL database and one RabbitMQ vhost; Nova is the cloud
simulator served from the test process over real HTTP (so the test can read
its counters). Everything uses short leases and fast polling.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest

from masakari_lite.db import migration

BIN = Path(sys.executable).parent
TERMINAL = {"finished", "ignored", "failed"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Stack:
    def __init__(self, workdir: Path, db_url: str, rabbit_url: str, sim, **options: str):
        self.workdir = workdir
        self.db_url = db_url
        self.sim = sim
        self.port = free_port()
        self.api_url = f"http://127.0.0.1:{self.port}"
        self.engines: dict[str, subprocess.Popen] = {}
        self._api: subprocess.Popen | None = None
        defaults = {
            "verify_interval": "0.05",
            "claim_lease_seconds": "3",
            "process_unfinished_notifications_interval": "1",
            "retry_notification_new_status_interval": "2",
            "notification_retry_backoff": "1",
            "wait_period_after_evacuation": "30",
            "wait_period_after_power_off": "10",
            "wait_period_after_power_on": "10",
            "wait_period_after_service_update": "10",
        }
        defaults.update(options.pop("DEFAULT", {}))
        lines = [
            "[DEFAULT]",
            "auth_strategy = noauth2",
            "masakari_api_listen = 127.0.0.1",
            f"masakari_api_listen_port = {self.port}",
            "masakari_api_workers = 1",
            f"state_path = {workdir}",
            f"transport_url = {rabbit_url}",
            *(f"{k} = {v}" for k, v in defaults.items()),
            "[database]",
            f"connection = {db_url}",
            "[nova]",
            "auth_type = none",
            f"endpoint_override = {sim.compute_url}",
        ]
        for group, values in options.items():
            lines.append(f"[{group}]")
            lines += [f"{k} = {v}" for k, v in values.items()]
        self.conf = workdir / "masakari-lite.conf"
        self.conf.write_text("\n".join(lines) + "\n")
        migration.upgrade(db_url)

    # --- processes

    def _spawn(self, name: str, program: str) -> subprocess.Popen:
        log = (self.workdir / f"{name}.log").open("ab")
        return subprocess.Popen(
            [str(BIN / program), "--config-file", str(self.conf)],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=dict(os.environ, PYTHONWARNINGS="ignore"),
        )

    def start_api(self) -> None:
        self._api = self._spawn("api", "masakari-lite-api")
        deadline = time.monotonic() + 60
        while True:
            if self._api.poll() is not None:
                pytest.fail(f"masakari-lite-api exited:\n{self.log('api')}")
            try:
                if httpx.get(f"{self.api_url}/", timeout=1).status_code < 500:
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"masakari-lite-api did not answer:\n{self.log('api')}")
            time.sleep(0.1)

    def start_engine(self, name: str) -> subprocess.Popen:
        proc = self._spawn(name, "masakari-lite-engine")
        self.engines[name] = proc
        # Ready when its RPC consumer is up; the log says so once started.
        deadline = time.monotonic() + 60
        while "started" not in self.log(name):
            if proc.poll() is not None:
                pytest.fail(f"engine {name} exited:\n{self.log(name)}")
            if time.monotonic() > deadline:
                pytest.fail(f"engine {name} did not start:\n{self.log(name)}")
            time.sleep(0.05)
        return proc

    def kill(self, name: str) -> None:
        proc = self.engines.pop(name)
        proc.send_signal(signal.SIGKILL)
        proc.wait()

    def log(self, name: str) -> str:
        path = self.workdir / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        procs = list(self.engines.values()) + ([self._api] if self._api else [])
        for proc in procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.engines.clear()
        self._api = None

    # --- the API

    def call(self, method: str, path: str, **kwargs) -> httpx.Response:
        headers = {"OpenStack-API-Version": "instance-ha 1.3"}
        return httpx.request(
            method, f"{self.api_url}/v1{path}", headers=headers, timeout=30, **kwargs
        )

    def segment(self, recovery_method: str = "auto", enabled: bool = True) -> str:
        body = {
            "segment": {
                "name": f"seg-{uuid.uuid4().hex[:8]}",
                "service_type": "COMPUTE",
                "recovery_method": recovery_method,
                "enabled": enabled,
            }
        }
        resp = self.call("POST", "/segments", json=body)
        assert resp.status_code == 200 or resp.status_code == 201, resp.text
        return resp.json()["segment"]["uuid"]

    def host(self, segment: str, name: str, reserved: bool = False) -> str:
        body = {
            "host": {
                "name": name,
                "type": "COMPUTE",
                "control_attributes": "SSH",
                "reserved": reserved,
            }
        }
        resp = self.call("POST", f"/segments/{segment}/hosts", json=body)
        assert resp.status_code in (200, 201), resp.text
        return resp.json()["host"]["uuid"]

    def notify(self, type_: str, hostname: str, payload: dict) -> httpx.Response:
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat(timespec="seconds")
        body = {
            "notification": {
                "type": type_,
                "hostname": hostname,
                "generated_time": now,
                "payload": payload,
            }
        }
        return self.call("POST", "/notifications", json=body)

    def host_down(self, hostname: str, **payload) -> str:
        self.sim.fail_host(hostname)
        body = {"event": "STOPPED", "host_status": "NORMAL", "cluster_status": "OFFLINE"}
        body.update(payload)
        resp = self.notify("COMPUTE_HOST", hostname, body)
        assert resp.status_code == 202, resp.text
        return resp.json()["notification"]["notification_uuid"]

    def notification(self, n_uuid: str) -> dict:
        resp = self.call("GET", f"/notifications/{n_uuid}")
        assert resp.status_code == 200, resp.text
        return resp.json()["notification"]

    def vmoves(self, n_uuid: str) -> list[dict]:
        resp = self.call("GET", f"/notifications/{n_uuid}/vmoves")
        assert resp.status_code == 200, resp.text
        return resp.json()["vmoves"]

    def wait(self, n_uuid: str, statuses=TERMINAL, timeout: float = 60) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            n = self.notification(n_uuid)
            if n["status"] in statuses:
                return n
            if time.monotonic() > deadline:
                logs = "\n".join(f"--- {k}\n{self.log(k)[-4000:]}" for k in self.engines)
                pytest.fail(f"{n_uuid} still {n['status']} after {timeout}s\n{logs}")
            time.sleep(0.1)
