"""Power fencing with ipmitool: power the host off, then confirm the BMC reports it off.

Credentials per host come from ``[fencing] ipmi_credentials_file`` (JSON keyed
by host name) or, failing that, from the host's ``control_attributes``. The
password goes to ipmitool through the environment (``-E``), never argv, so it
does not show up in process listings.
"""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import time

from masakari_lite.engine.fencing.base import FenceResult, FencingDriver

LOG = logging.getLogger(__name__)

_PAIR = re.compile(r"([A-Za-z_]+)\s*=\s*([^,\s]+)")


def parse_control_attributes(text: str | None) -> dict:
    """JSON object, or ``key=value`` pairs separated by commas or whitespace."""
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return dict(_PAIR.findall(text))
    return value if isinstance(value, dict) else {}


class IpmiFencing(FencingDriver):
    can_power_off = True

    def credentials(self, host_name: str, control_attributes: str | None) -> dict:
        path = self.conf.fencing.ipmi_credentials_file
        if path:
            with open(path) as f:
                table = json.load(f)
            if host_name in table:
                return table[host_name]
        return parse_control_attributes(control_attributes)

    def _run(self, creds: dict, *args: str) -> str:
        command = [
            self.conf.fencing.ipmitool_path,
            "-I",
            str(creds.get("interface") or self.conf.fencing.ipmi_interface),
            "-H",
            str(creds["address"]),
            "-p",
            str(creds.get("port", 623)),
            "-U",
            str(creds.get("username", "")),
            "-E",
            *args,
        ]
        env = dict(os.environ, IPMI_PASSWORD=str(creds.get("password", "")))
        done = subprocess.run(
            command,
            env=env,
            capture_output=True,
            text=True,
            timeout=self.conf.fencing.ipmitool_timeout,
        )
        if done.returncode != 0:
            raise RuntimeError(
                f"ipmitool {' '.join(args)} failed ({done.returncode}): "
                f"{(done.stderr or done.stdout).strip()}"
            )
        return done.stdout

    def fence(self, host_name, control_attributes, host_status, log) -> FenceResult:
        creds = self.credentials(host_name, control_attributes)
        if not creds.get("address"):
            return FenceResult(False, f"No IPMI address known for host '{host_name}'.")
        try:
            log(f"Powering off host '{host_name}' through IPMI ({creds['address']})")
            self._run(creds, "chassis", "power", "off")
            deadline = time.monotonic() + self.conf.fencing.power_off_timeout
            while True:
                status = self._run(creds, "chassis", "power", "status")
                if "is off" in status.lower():
                    return FenceResult(True, f"Host '{host_name}' is powered off (IPMI).")
                if time.monotonic() >= deadline:
                    return FenceResult(
                        False,
                        f"Host '{host_name}' still reports '{status.strip()}' after "
                        f"{self.conf.fencing.power_off_timeout}s.",
                    )
                time.sleep(self.conf.verify_interval)
        except (OSError, RuntimeError, subprocess.TimeoutExpired) as exc:
            LOG.warning("IPMI fencing of %s failed: %s", host_name, exc)
            return FenceResult(False, f"IPMI fencing of host '{host_name}' failed: {exc}")
