"""The API's doorbell: rings the engine for each accepted notification, from one thread.

A cast costs a few hundred microseconds of AMQP work. Made in the request, it
delays the 202; handed to this thread it costs the request a queue put, and
the casts leave in the order the notifications were accepted. The row is
committed before its ring is queued, so a ring lost in a crash costs one
sweeper interval, never a notification.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable

LOG = logging.getLogger(__name__)


class Doorbell:
    def __init__(self, cast: Callable[[str], object]):
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
