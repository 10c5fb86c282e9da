"""The RPC endpoint on topic ``ha_engine``: claim and hand off, nothing more."""

from __future__ import annotations

import oslo_messaging as messaging

from masakari_lite import messaging as doorbell


def _uuid_of(notification) -> str | None:
    """Upstream's API casts a versioned-object primitive; ours casts the uuid."""
    if isinstance(notification, dict):
        data = notification.get("masakari_object.data", notification)
        return data.get("notification_uuid")
    return getattr(notification, "notification_uuid", None)


class EngineEndpoint:
    target = messaging.Target(version="1.1")

    def __init__(self, service):
        self.service = service

    def process_notification(self, ctxt, notification_uuid=None, notification=None):
        uuid = notification_uuid or _uuid_of(notification)
        if uuid:
            self.service.offer(uuid)


def make_server(transport: messaging.Transport, host: str, service) -> messaging.RPCServer:
    return messaging.get_rpc_server(
        transport,
        doorbell.target(server=host),
        [EngineEndpoint(service)],
        executor="threading",
        access_policy=messaging.DefaultRPCAccessPolicy,
    )
