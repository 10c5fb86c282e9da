"""The sweeper: finds work whose doorbell was missed or whose engine died, and offers it.

It never runs a flow itself: it calls the same ``offer()`` (claim, then
submit) as the RPC endpoint, so a duplicate offer is harmless.
"""

from __future__ import annotations

import logging
import threading
import time

from masakari_lite import metrics

LOG = logging.getLogger(__name__)


class Sweeper:
    def __init__(self, service):
        self.service = service
        self.conf = service.conf
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_expiry = float("-inf")

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="sweeper", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _loop(self) -> None:
        # Sweep at once: after a restart, orphaned work should not wait an interval.
        while True:
            try:
                self.sweep()
            except Exception:
                LOG.exception("Sweep failed; trying again next interval")
            if self._stop.wait(self.conf.process_unfinished_notifications_interval):
                return

    def sweep(self) -> int:
        """One pass; how many notifications were claimed."""
        metrics.SWEEPER_RUNS.inc()
        claims = self.service.claims
        now = time.monotonic()
        if now - self._last_expiry >= self.conf.check_expired_notifications_interval:
            self._last_expiry = now
            failed = claims.fail_exhausted_and_expired(self.conf.notifications_expired_interval)
            if failed:
                LOG.info("Marked %s notification(s) failed (expired or out of attempts)", failed)
        taken = 0
        for uuid in claims.due(self.conf.retry_notification_new_status_interval):
            if self._stop.is_set():
                break
            taken += bool(self.service.offer(uuid, source="sweeper"))
        return taken
