"""The doorbell rings inline while the broker answers, and from a thread after a failure."""

from __future__ import annotations

import threading
import time

from masakari_lite.api.doorbell import Doorbell


class Broker:
    def __init__(self):
        self.up = True
        self.rung: list[tuple[str, str]] = []  # (uuid, thread that rang)
        self.attempts = 0

    def cast(self, notification_uuid: str) -> bool:
        self.attempts += 1
        if not self.up:
            return False
        self.rung.append((notification_uuid, threading.current_thread().name))
        return True


def _wait(done, timeout=5.0):
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def test_first_ring_from_the_thread_then_inline():
    broker = Broker()
    bell = Doorbell(broker.cast)
    bell.ring("a")
    _wait(lambda: bell._inline)
    bell.ring("b")
    assert broker.rung == [("a", "doorbell"), ("b", threading.current_thread().name)]
    bell.close()


def test_a_failed_inline_ring_is_retried_from_the_thread():
    broker = Broker()
    bell = Doorbell(broker.cast)
    bell.ring("a")
    _wait(lambda: bell._inline)
    broker.up = False
    bell.ring("lost-while-down")  # fails inline, then once more in the thread
    assert not bell._inline
    _wait(lambda: broker.attempts == 3)
    broker.up = True
    bell.ring("c")
    _wait(lambda: bell._inline)
    assert broker.rung == [("a", "doorbell"), ("c", "doorbell")]
    bell.close()


def test_an_exception_is_a_failed_ring_not_an_error():
    def boom(_uuid):
        raise ConnectionError("broker unreachable")

    bell = Doorbell(boom)
    bell.ring("a")
    bell.close()
    assert not bell._inline


def test_close_sends_what_is_queued():
    broker = Broker()
    bell = Doorbell(broker.cast)
    for uuid in ("a", "b", "c"):
        bell.ring(uuid)  # the thread opens the connection, so all three queue there
    bell.close()
    assert [uuid for uuid, _ in broker.rung] == ["a", "b", "c"]
