"""The default: no fencing of our own; trust the monitor's host_status.

masakari-monitors sends host_status NORMAL only when its IPMI check saw the
power off (or when that check is disabled, which is the operator's call).
"""

from __future__ import annotations

from masakari_lite.engine.fencing.base import FenceResult, FencingDriver


class NoopFencing(FencingDriver):
    can_power_off = False

    def fence(self, host_name, control_attributes, host_status, log) -> FenceResult:
        if (host_status or "").upper() == "NORMAL":
            return FenceResult(
                True, f"Host '{host_name}' is off according to its monitor (host_status NORMAL)."
            )
        return FenceResult(
            False, f"Host '{host_name}' power-off is unconfirmed (host_status {host_status})."
        )
