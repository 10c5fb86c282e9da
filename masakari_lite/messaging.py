"""The doorbell: the RPC cast the API rings after a commit, and the engine's target.

SQL is the source of truth; a message only says "look now". A lost message
costs a sweeper interval, never a notification.
"""

from __future__ import annotations

import logging
import threading

import oslo_messaging as messaging
from oslo_config import cfg

LOG = logging.getLogger(__name__)

EXCHANGE = "masakari"
TOPIC = "ha_engine"
RPC_API_VERSION = "1.0"

_lock = threading.Lock()
_transport: messaging.Transport | None = None
_client: messaging.RPCClient | None = None


def setup(conf: cfg.ConfigOpts) -> None:
    """Point oslo.messaging at exchange ``masakari``, as upstream does."""
    messaging.set_transport_defaults(control_exchange=EXCHANGE)


def get_transport(conf: cfg.ConfigOpts) -> messaging.Transport:
    """The process-wide RPC transport (``[DEFAULT] transport_url``)."""
    global _transport
    with _lock:
        if _transport is None:
            setup(conf)
            _transport = messaging.get_rpc_transport(conf)
        return _transport


def target(server: str | None = None) -> messaging.Target:
    return messaging.Target(exchange=EXCHANGE, topic=TOPIC, server=server, version=RPC_API_VERSION)


def cast_process_notification(conf: cfg.ConfigOpts, notification_uuid: str) -> bool:
    """Ring the engine for one stored notification; False when the ring failed.

    A failed cast is logged and swallowed: the row is committed, and the
    engine's sweeper claims 'new' rows whose cast was lost.
    """
    try:
        _rpc_client(conf).cast({}, "process_notification", notification_uuid=notification_uuid)
        return True
    except Exception:
        LOG.warning(
            "Could not cast process_notification for %s; the sweeper will pick it up",
            notification_uuid,
            exc_info=True,
        )
        return False


def _rpc_client(conf: cfg.ConfigOpts) -> messaging.RPCClient:
    """One RPC client per process: building one per notification costs a create."""
    global _client
    transport = get_transport(conf)
    with _lock:
        if _client is None:
            _client = messaging.get_rpc_client(transport, target())
        return _client


def reset() -> None:
    """Drop the transport (tests, and a forked worker that must not share sockets)."""
    global _transport, _client
    with _lock:
        if _transport is not None:
            _transport.cleanup()
        _transport = None
        _client = None
