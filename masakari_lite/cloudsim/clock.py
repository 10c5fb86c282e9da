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
        return self._render(self._iso_cache, mono, "%Y-%m-%dT%H:%M:%SZ")

    def iso_us(self, mono: float | None) -> str | None:
        """Nova's service/migration/aggregate timestamps: microseconds, no suffix."""
        return self._render(self._iso_us_cache, mono, "%Y-%m-%dT%H:%M:%S.%f")

    def _render(self, cache: dict[float, str], mono: float | None, fmt: str) -> str | None:
        if mono is None:
            return None
        text = cache.get(mono)
        if text is None:
            if len(cache) > 50000:
                cache.clear()
            text = cache[mono] = self.wall(mono).strftime(fmt)  # type: ignore[union-attr]
        return text
