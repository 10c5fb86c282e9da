"""One monotonic clock for the whole simulated cloud, with wall-clock rendering."""

from __future__ import annotations

import time
from datetime import UTC, datetime


class Clock:
    """Monotonic seconds for all timing; wall time only for rendering timestamps.

    Every duration in the simulator (heartbeats, transitions, queues) is measured
    on ``now()`` so that a change of the system clock never breaks a scenario.
    """

    def __init__(self) -> None:
        self._mono0 = time.monotonic()
        self._wall0 = time.time()

    def now(self) -> float:
        return time.monotonic()

    def wall(self, mono: float | None) -> datetime | None:
        if mono is None:
            return None
        return datetime.fromtimestamp(self._wall0 + (mono - self._mono0), tz=UTC)

    def iso(self, mono: float | None) -> str | None:
        """Nova's server timestamps: second precision with a Z."""
        dt = self.wall(mono)
        return None if dt is None else dt.strftime("%Y-%m-%dT%H:%M:%SZ")

    def iso_us(self, mono: float | None) -> str | None:
        """Nova's service/migration/aggregate timestamps: microseconds, no suffix."""
        dt = self.wall(mono)
        return None if dt is None else dt.strftime("%Y-%m-%dT%H:%M:%S.%f")
