"""Request ids (API) and notification ids (engine) on every log record."""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from masakari_lite import logcontext
from tests.unit.api.live import live_api


class Collect(logging.Handler):
    def __init__(self):
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def collect():
    logcontext.install()
    handlers = []

    def attach(name: str) -> Collect:
        handler = Collect()
        logger = logging.getLogger(name)
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        handlers.append((logger, handler))
        return handler

    yield attach
    for logger, handler in handlers:
        logger.removeHandler(handler)


def test_each_api_request_logs_under_its_own_request_id(tmp_path, collect):
    access = collect("masakari_lite.api.access")
    with live_api(f"sqlite:///{tmp_path}/log.sqlite") as api:
        with httpx.Client(base_url=api.v1, timeout=30) as client:

            def call(i: int) -> str:
                r = client.get("/segments", params={"limit": 1 + i % 3})
                return r.headers["x-openstack-request-id"]

            with ThreadPoolExecutor(8) as pool:
                ids = set(pool.map(call, range(40)))
    assert len(ids) == 40
    logged = {r.request_id for r in access.records if "/v1/segments" in r.getMessage()}
    assert logged == ids
    for record in access.records:
        # The access line names its request itself: the bound id must be that one.
        assert record.getMessage().split(" ", 1)[0] == record.request_id
        assert record.notification_id == "-"


def test_notification_id_is_bound_per_thread_and_unbound_after(collect):
    engine = collect("masakari_lite.engine.test")
    log = logging.getLogger("masakari_lite.engine.test")
    seen = threading.Barrier(2)

    def work(uuid: str) -> None:
        with logcontext.notification(uuid):
            seen.wait()  # both threads are bound at the same time
            log.info("working on %s", uuid)
        log.info("done")

    threads = [threading.Thread(target=work, args=(u,)) for u in ("n-1", "n-2")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    working = {r.getMessage(): r.notification_id for r in engine.records if "working" in r.msg}
    assert working == {"working on n-1": "n-1", "working on n-2": "n-2"}
    assert {r.notification_id for r in engine.records if r.msg == "done"} == {"-"}


def test_the_format_shows_both_ids():
    logcontext.install()
    formatter = logging.Formatter(logcontext.FORMAT)
    token = logcontext.bind_request("req-abc")
    try:
        with logcontext.notification("0f0f"):
            record = logging.getLogger("x").makeRecord(
                "x", logging.INFO, __file__, 1, "hi", (), None
            )
    finally:
        logcontext.REQUEST_ID.reset(token)
    assert "[req-abc notification=0f0f] hi" in formatter.format(record)
