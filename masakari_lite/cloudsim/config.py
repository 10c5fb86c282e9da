"""Tunables of a simulated cloud: timings, capacity ratios and behaviour switches."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any


@dataclass
class SimConfig:
    # seconds after its last heartbeat before a compute service reports `down`
    service_down_time: float = 60.0
    # how long each transition takes (seconds)
    boot_time: float = 1.0
    stop_time: float = 0.5
    start_time: float = 0.5
    evacuation_time: float = 2.0
    # Nova clears task_state on the destination a moment before it moves the
    # server's host there (finish_evacuation): for this long an evacuated server
    # shows task_state None on its source host
    evacuation_host_switch_lag: float = 0.02
    # an evacuated server that must end SHUTOFF (2.95, or it was SHUTOFF) is first
    # ACTIVE + powering-off on its source record for this long (Nova: ~0.1 s)
    evacuation_stop_time: float = 0.1
    # a crashed guest is seen as SHUTOFF after this long (Nova's power-state sync)
    crash_sync_time: float = 0.0
    # at most this many evacuations rebuild at once, the rest queue (0 = no limit)
    evacuation_concurrency: int = 0
    # probability that a rebuild on the destination fails (server ends ERROR)
    evacuation_failure_rate: float = 0.0
    cpu_allocation_ratio: float = 1.0
    ram_allocation_ratio: float = 1.0
    # whether instance files live on shared storage (what onSharedStorage must say)
    shared_storage: bool = False
    # guests keep running through a host failure (a partition, not a power loss)
    guests_survive_failure: bool = False
    # how long nova-api waits on its RPC call to a compute that is dead but not yet
    # seen down, when that compute's service is enabled or disabled
    rpc_response_timeout: float = 60.0
    # Nova's [api] max_limit: the largest page a list returns
    max_limit: int = 1000
    # refuse unknown tokens with 401 instead of treating the caller as admin
    strict_auth: bool = False
    # seconds a Keystone token lives (Keystone's [token] expiration: 24 h);
    # an expired one gets 401 from Nova and 404 when validated
    token_lifetime: float = 24 * 3600.0

    def update(self, values: dict[str, Any]) -> None:
        known = {f.name: f for f in fields(self)}
        for key, value in values.items():
            if key not in known:
                raise ValueError(f"unknown config key: {key}")
            current = getattr(self, key)
            try:
                if isinstance(current, bool):
                    if not isinstance(value, bool):
                        raise TypeError
                    new = value
                elif isinstance(current, int):
                    new = int(value)
                else:
                    new = float(value)
            except (TypeError, ValueError):
                raise ValueError(
                    f"{key} must be a {type(current).__name__}, got {value!r}"
                ) from None
            if not isinstance(new, bool) and new < 0:
                raise ValueError(f"{key} must not be negative")
            setattr(self, key, new)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
