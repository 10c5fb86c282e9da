"""masakari-lite-engine: the RPC server and the sweeper, until SIGTERM."""

from __future__ import annotations

import signal
import sys
import threading

from masakari_lite import conf, logcontext, messaging
from masakari_lite.conf import CONF


def start_engine(config=CONF, transport=None, nova=None):
    """Start an engine in this process and return it; call ``.stop()`` to end it.

    ``masakari-lite serve`` passes the API's in-process transport (``fake://``)
    so the API's casts reach this engine without a broker.
    """
    from masakari_lite.engine.service import EngineService

    if nova is None:
        from masakari_lite.compute.client import NovaClient

        nova = NovaClient(config)
    if transport is None:
        transport = messaging.get_transport(config)
    service = EngineService(config, nova, transport=transport)
    service.start()
    return service


def main(argv: list[str] | None = None) -> int:
    conf.parse_args(sys.argv[1:] if argv is None else argv)
    logcontext.setup_logging()
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    if CONF.metrics.engine_listen_port:
        import prometheus_client

        from masakari_lite.metrics import REGISTRY

        prometheus_client.start_http_server(
            CONF.metrics.engine_listen_port, CONF.metrics.engine_listen, registry=REGISTRY
        )
    service = start_engine()
    stop.wait()
    service.stop()
    messaging.reset()
    return 0


if __name__ == "__main__":
    sys.exit(main())
