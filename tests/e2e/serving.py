"""``masakari-lite serve --with-cloudsim`` as a real process, for the end-to-end tests."""

from __future__ import annotations

import contextlib
import queue
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import openstack

from tests.e2e.engine_stack import free_port


class Served:
    """The running process, where it listens, and where its simulator does."""

    def __init__(self, proc: subprocess.Popen, banner: str, port: int, log_path: Path):
        self.proc = proc
        self.banner = banner
        self.url = f"http://127.0.0.1:{port}"
        self.endpoint = self.url + "/v1"
        match = re.search(r"cloudsim: Nova at (http://127\.0\.0\.1:\d+)/v2\.1", banner)
        assert match, banner
        self.sim_url = match.group(1)
        self.identity_url = f"{self.sim_url}/identity/v3"
        self.log_path = log_path

    def sdk(self):
        """openstacksdk without Keystone (only for a noauth2 API)."""
        return openstack.connect(
            auth_type="none", auth={"endpoint": self.endpoint}, instance_ha_api_version="1.1"
        )

    def log_tail(self, chars: int = 4000) -> str:
        return self.log_path.read_text()[-chars:]


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


@contextlib.contextmanager
def serving(state: Path, config: str, cloudsim_port: int | None = None) -> Iterator[Served]:
    """Run serve with ``config`` (an oslo.config file's text) until the block ends.

    ``cloudsim_port`` fixes the simulator's port, for a config that must name it
    (say ``[keystone_authtoken]`` pointing at the simulated Keystone).
    """
    config_path = state / "masakari-lite.conf"
    config_path.write_text(config)
    port = free_port()
    log_path = state / "stderr.log"
    argv = [sys.executable, "-m", "masakari_lite.cmd.cli", "serve"]
    argv += ["--config-file", str(config_path), "--port", str(port), "--with-cloudsim"]
    if cloudsim_port is not None:
        argv += ["--cloudsim-port", str(cloudsim_port)]
    with open(log_path, "w") as log:
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=log, text=True)
        try:
            yield Served(proc, _read_banner(proc, 60), port, log_path)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(10)
