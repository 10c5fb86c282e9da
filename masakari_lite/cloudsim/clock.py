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
        # rendering is the hot path of big listings; many records share a timestamp
        self._iso_cache: dict[float, str] = {}
        self._iso_us_cache: dict[float, str] = {}

    def now(self) -> float:
        return time.monotonic()

    def wall(self, mono: float | None) -> datetime | None:
        if mono is None:
            return None
        return datetime.fromtimestamp(self._wall0 + (mono - self._mono0), tz=UTC)

    def iso(self, mono: float | None) -> str | None:
        """Nova's server timestamps: second precision with a Z."""
        if mono is None:
            return None
        text = self._iso_cache.get(mono)
        if text is None:
            if len(self._iso_cache) > 50000:
                self._iso_cache.clear()
            text = self._iso_cache[mono] = self.wall(mono).strftime("%Y-%m-%dT%H:%M:%SZ")  # type: ignore[union-attr]
        return text

    def iso_us(self, mono: float | None) -> str | None:
        """Nova's service/migration/aggregate timestamps: microseconds, no suffix."""
        if mono is None:
            return None
        text = self._iso_us_cache.get(mono)
        if text is None:
            if len(self._iso_us_cache) > 50000:
                self._iso_us_cache.clear()
            text = self._iso_us_cache[mono] = self.wall(mono).strftime("%Y-%m-%dT%H:%M:%S.%f")  # type: ignore[union-attr]
        return text
