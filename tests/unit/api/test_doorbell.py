"""The doorbell rings from its own thread, in order, and never raises into a request."""

from __future__ import annotations

import threading
import time

from masakari_lite.api.doorbell import Doorbell


class Broker:
    def __init__(self):
        self.rung: list[tuple[str, str]] = []  # (uuid, thread that rang)
        self.release = threading.Event()
        self.release.set()

    def cast(self, notification_uuid: str) -> bool:
        self.release.wait()
        if notification_uuid.startswith("boom"):
            raise ConnectionError("broker unreachable")
        self.rung.append((notification_uuid, threading.current_thread().name))
        return True


def test_rings_leave_in_order_from_the_doorbell_thread():
    broker = Broker()
    bell = Doorbell(broker.cast)
    for uuid in ("a", "b", "c"):
        bell.ring(uuid)
    bell.close()
    assert broker.rung == [("a", "doorbell"), ("b", "doorbell"), ("c", "doorbell")]


def test_a_stuck_broker_does_not_hold_up_the_caller():
    broker = Broker()
    broker.release.clear()  # publishers blocked, as during a RabbitMQ alarm
    bell = Doorbell(broker.cast)
    started = time.monotonic()
    for i in range(100):
        bell.ring(f"n{i}")
    assert time.monotonic() - started < 1.0 and broker.rung == []
    broker.release.set()
    bell.close()
    assert len(broker.rung) == 100


def test_a_failed_ring_is_logged_and_the_next_one_still_leaves():
    broker = Broker()
    bell = Doorbell(broker.cast)
    bell.ring("boom-1")
    bell.ring("after")
    bell.close()
    assert broker.rung == [("after", "doorbell")]
