"""A real masakari-lite API on a real port, for tests (uvicorn in a thread)."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator

import uvicorn
from oslo_config import cfg

from masakari_lite.api.app import create_app
from masakari_lite.compute.errors import ComputeUnavailable
from masakari_lite.compute.types import Service
from masakari_lite.conf import api, database, default, engine, nova
from masakari_lite.db import migration


def make_conf(config_file: str | None = None, **overrides) -> cfg.ConfigOpts:
    """A private ConfigOpts with every group registered; ``group__name=value`` overrides.

    Options that libraries register only when used (oslo.policy, keystonemiddleware)
    are set through ``config_file``, exactly as an operator sets them.
    """
    conf = cfg.ConfigOpts()
    for module in (default, api, database, engine, nova):
        module.register_opts(conf)
    conf(["--config-file", config_file] if config_file else [], project="masakari-lite-test")
    if not config_file:
        conf.set_override("auth_strategy", "noauth2")
    for key, value in overrides.items():
        group, _, name = key.rpartition("__")
        conf.set_override(name, value, group=group or None)
    return conf


def up_compute_service(host: str) -> Service:
    return Service(
        id="1", host=host, binary="nova-compute", status="enabled", state="up", forced_down=False
    )


class FakeNova:
    """Stands in for NovaClient's compute-service lookups in unit tests.

    Every name is a nova-compute host except those starting with ``ghost``;
    names starting with ``nova-down`` behave as if Nova were unreachable.
    """

    def __init__(self):
        self.asked: list[str] = []

    def compute_host_names(self) -> set[str]:
        # Its compute hosts are all names but a few, which no listing can hold:
        # the API then asks for each name on its own.
        return set()

    def find_compute_service(self, host: str) -> Service | None:
        self.asked.append(host)
        if host.startswith("nova-down"):
            raise ComputeUnavailable("connection refused")
        if host.startswith("ghost"):
            return None
        return up_compute_service(host)


class Live:
    def __init__(self, url: str, app, casts: list[str], nova, db_url: str):
        self.url = url
        self.app = app
        self.casts = casts
        self.nova = nova
        self.db_url = db_url

    @property
    def v1(self) -> str:
        return self.url + "/v1"

    def rung(self, count: int, timeout: float = 10.0) -> list[str]:
        """The casts once ``count`` have arrived: the API rings after sending its 202."""
        self._wait(lambda: len(self.casts) >= count, timeout)
        return list(self.casts)

    def has_rung(self, notification_uuid: str, timeout: float = 10.0) -> bool:
        return self._wait(lambda: notification_uuid in self.casts, timeout)

    @staticmethod
    def _wait(done, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while not done():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.01)
        return True


@contextlib.contextmanager
def serve_app(app) -> Iterator[str]:
    """Serve an ASGI app on 127.0.0.1:<ephemeral> until the block ends."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the API server did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


_FAKE = object()


@contextlib.contextmanager
def live_api(db_url: str, conf: cfg.ConfigOpts | None = None, nova=_FAKE, cast=None):
    """Migrate ``db_url``, build the app and serve it. Casts are recorded unless given.

    ``nova``: a FakeNova by default; None for the real NovaClient built from ``[nova]``.
    """
    migration.upgrade(db_url)
    conf = conf or make_conf()
    casts: list[str] = []
    nova = FakeNova() if nova is _FAKE else nova
    app = create_app(conf, compute=nova, cast=cast or casts.append, db_url=db_url)
    with serve_app(app) as url:
        yield Live(url, app, casts, nova, db_url)
