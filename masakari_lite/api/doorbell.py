"""The API's doorbell: rings the engine for each accepted notification, from one thread.

A ring is an oslo.messaging cast, and the rabbit driver waits for the
broker's publisher confirm: a round trip, and an unbounded wait while the
broker blocks publishers (a memory or disk alarm). Made on the event loop,
that wait would stop the whole API; here it stops only this thread, and the
request pays a queue put. The casts leave in the order the notifications
were accepted.

(Made inline, a ring cost less CPU: the loop and this thread trade the GIL at
every socket call. Measured on the benchmark, notification create did about
15% better inline; not worth an API that a broker alarm can freeze.)

The row is committed before its ring is queued, so a ring lost in a crash or
an outage costs one sweeper interval, never a notification.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable

LOG = logging.getLogger(__name__)


class Doorbell:
    def __init__(self, cast: Callable[[str], object]):
        """``cast(uuid)`` rings the engine; it logs and swallows its own failures."""
        self._cast = cast
        self._queue: queue.SimpleQueue[str | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def ring(self, notification_uuid: str) -> None:
        if self._thread is None:
            with self._lock:
                if self._thread is None:
                    self._thread = threading.Thread(
                        target=self._serve, name="doorbell", daemon=True
                    )
                    self._thread.start()
        self._queue.put(notification_uuid)

    def close(self) -> None:
        """Send what is queued, then stop."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout=10)
            self._thread = None

    def _serve(self) -> None:
        while (notification_uuid := self._queue.get()) is not None:
            try:
                self._cast(notification_uuid)
            except Exception:
                LOG.warning("Could not ring the engine for %s", notification_uuid, exc_info=True)
