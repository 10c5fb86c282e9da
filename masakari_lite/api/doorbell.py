"""The API's doorbell: rings the engine for each accepted notification.

A ring is one oslo.messaging cast on an open connection: a few hundred
microseconds of local work, no wait. Made on the event loop it is cheapest;
made in a thread beside the loop, the two threads trade the GIL at every
socket call and the same ring costs about twice the CPU (measured). So while
the broker answers, the loop rings inline. When a ring fails, the loop stops
ringing and a thread takes the rings (the failed one again), so that a
reconnecting driver, which may wait for the broker, never holds up the loop;
the loop takes over again once the thread's queue is empty after a
successful ring.

The row is committed before its ring, so a ring lost in a crash or an outage
costs one sweeper interval, never a notification.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable

LOG = logging.getLogger(__name__)


class Doorbell:
    def __init__(self, cast: Callable[[str], object]):
        """``cast(uuid)`` rings the engine; an exception or False means it failed."""
        self._cast = cast
        # The first ring opens the broker connection: that may wait, so a thread does it.
        self._inline = False
        self._queue: queue.SimpleQueue[str | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def ring(self, notification_uuid: str) -> None:
        if self._inline and self._queue.empty():
            if self._try(notification_uuid):
                return
            self._inline = False
        self._to_thread(notification_uuid)

    def close(self) -> None:
        """Send what is queued, then stop."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout=10)
            self._thread = None

    def _try(self, notification_uuid: str) -> bool:
        try:
            return self._cast(notification_uuid) is not False
        except Exception:
            LOG.warning("Could not ring the engine for %s", notification_uuid, exc_info=True)
            return False

    def _to_thread(self, notification_uuid: str) -> None:
        if self._thread is None:
            with self._lock:
                if self._thread is None:
                    self._thread = threading.Thread(
                        target=self._serve, name="doorbell", daemon=True
                    )
                    self._thread.start()
        self._queue.put(notification_uuid)

    def _serve(self) -> None:
        while (notification_uuid := self._queue.get()) is not None:
            if self._try(notification_uuid) and self._queue.empty():
                self._inline = True
