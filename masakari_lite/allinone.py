"""The embedded default: the API and one engine in one process, SQLite, no broker.

The API's doorbell and the engine's RPC server share one oslo.messaging
``fake://`` transport, so a cast never leaves the process. The schema is
created or upgraded on start. ``masakari-lite serve`` and ``masakari-lite demo``
are both built on :class:`AllInOne`.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
import time
from typing import Any

import oslo_messaging
import uvicorn
from oslo_config import cfg

from masakari_lite import messaging

LOG = logging.getLogger(__name__)

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 15868
IN_PROCESS_TRANSPORT = "fake://"


def set_defaults(conf: cfg.ConfigOpts) -> None:
    """What ``serve`` means with no config: loopback, noauth2. A config file still wins."""
    conf.set_default("auth_strategy", "noauth2")
    conf.set_default("masakari_api_listen", DEFAULT_HOST)
    conf.set_default("masakari_api_listen_port", DEFAULT_PORT)


def point_nova_at(conf: cfg.ConfigOpts, compute_url: str) -> None:
    """[nova] for a simulator: no Keystone, the compute endpoint given directly."""
    conf.set_override("auth_type", "none", "nova")
    conf.set_override("endpoint_override", compute_url, "nova")


def client_hints(endpoint: str) -> str:
    """How to reach a noauth2 API at ``endpoint`` (…/v1) with the CLI and the SDK."""
    return "\n".join(
        [
            "Reach it with the openstack CLI (python-masakariclient installed):",
            f"  export OS_AUTH_TYPE=none OS_ENDPOINT={endpoint}",
            "  openstack segment list",
            f"  # or: openstack --os-auth-type none --os-endpoint {endpoint} segment list",
            "or with openstacksdk:",
            "  import openstack",
            f'  conn = openstack.connect(auth_type="none", auth={{"endpoint": "{endpoint}"}})',
            "  list(conn.instance_ha.segments())",
        ]
    )


class AllInOne:
    """API + engine sharing one process, one SQLite database and one in-process transport.

    ``start()`` returns once the API answers (``port`` 0 picks a free port);
    ``stop()`` ends the engine's work cleanly (claims are handed back) and
    then the HTTP server.
    """

    def __init__(
        self,
        conf: cfg.ConfigOpts,
        *,
        nova: Any = None,
        host: str | None = None,
        port: int | None = None,
    ):
        self.conf = conf
        self.host = host if host is not None else conf.masakari_api_listen
        self.port = port if port is not None else conf.masakari_api_listen_port
        self.nova = nova
        self.transport: oslo_messaging.Transport | None = None
        self.engine = None
        self.server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def endpoint(self) -> str:
        """What clients without Keystone are given: the URL with /v1."""
        return f"{self.url}/v1"

    # --- the pieces

    def prepare(self) -> None:
        """Database at head, Nova client, transport, engine; everything but HTTP."""
        from masakari_lite.api.app import create_app
        from masakari_lite.cmd.engine import start_engine
        from masakari_lite.db import migration

        # make_engine (under the migration) creates a SQLite file's directory.
        migration.upgrade(self.conf.database.connection)
        if self.nova is None:
            from masakari_lite.compute.client import NovaClient

            self.nova = NovaClient(self.conf)
        messaging.setup(self.conf)
        self.transport = oslo_messaging.get_rpc_transport(self.conf, url=IN_PROCESS_TRANSPORT)
        # One client for every cast, as messaging._rpc_client keeps one per process.
        self._client = oslo_messaging.get_rpc_client(self.transport, messaging.target())
        self.engine = start_engine(self.conf, transport=self.transport, nova=self.nova)
        self.app = create_app(self.conf, compute=self.nova, cast=self._cast)

    def _cast(self, notification_uuid: str) -> bool:
        # The same doorbell as messaging.cast_process_notification, on our transport.
        try:
            self._client.cast({}, "process_notification", notification_uuid=notification_uuid)
            return True
        except Exception:
            LOG.warning(
                "In-process cast for %s failed; the sweeper will pick it up",
                notification_uuid,
                exc_info=True,
            )
            return False

    def _server(self) -> uvicorn.Server:
        config = uvicorn.Config(
            self.app,
            host=self.host,
            port=self.port,
            log_config=None,
            access_log=False,  # the app logs its own line, with the request id
            lifespan="off",
            server_header=False,
        )
        self.server = uvicorn.Server(config)
        return self.server

    # --- running

    def start(self, timeout: float = 30.0) -> AllInOne:
        """Serve from a background thread (the demo, tests)."""
        self.prepare()
        server = self._server()
        self._thread = threading.Thread(
            target=lambda: asyncio.run(server.serve()), name="api", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the API did not start on {self.host}:{self.port}")
            time.sleep(0.01)
        self.port = server.servers[0].sockets[0].getsockname()[1]
        return self

    def serve_forever(self, announce=None) -> None:
        """Serve until SIGINT or SIGTERM, then stop the engine and the API cleanly.

        Our own handlers, not uvicorn's: uvicorn re-raises a captured SIGTERM
        after its shutdown, which would kill the process before the engine
        hands its claims back. ``announce(self)`` runs once the port answers.
        """
        stop = threading.Event()
        previous = {
            signum: signal.signal(signum, lambda *_: stop.set())
            for signum in (signal.SIGINT, signal.SIGTERM)
        }
        try:
            self.start()
            if announce is not None:
                announce(self)
            while not stop.wait(0.5):
                if self._thread is None or not self._thread.is_alive():
                    raise RuntimeError("the API server stopped on its own")
        finally:
            LOG.info("Stopping masakari-lite")
            self.stop()
            for signum, handler in previous.items():
                signal.signal(signum, handler)

    def stop(self, timeout: float = 15.0) -> None:
        self._stop_engine()
        if self.server is not None:
            self.server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _stop_engine(self) -> None:
        if self.engine is not None:
            self.engine.stop()
            self.engine = None
        if self.transport is not None:
            self.transport.cleanup()
            self.transport = None

    def __enter__(self) -> AllInOne:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
