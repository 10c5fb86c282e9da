"""Versioned notifications notification.process.start/.end/.error, as upstream emits them.

Sent only when ``[oslo_messaging_notifications] driver`` is set, on topic
``versioned_notifications`` with publisher ``masakari-engine:<host>``. Unlike
upstream, the end and error payloads carry the status actually written.
"""

from __future__ import annotations

import datetime as dt
import logging
import traceback

import oslo_messaging as messaging
from oslo_config import cfg
from oslo_messaging import opts as messaging_opts

LOG = logging.getLogger(__name__)

GROUP = "oslo_messaging_notifications"


def _register(conf: cfg.ConfigOpts) -> None:
    for group, opts in messaging_opts.list_opts():
        if group == GROUP:
            conf.register_opts(opts, group=GROUP)


def _object(name: str, data: dict) -> dict:
    """The oslo.versionedobjects primitive masakari's consumers decode."""
    return {
        "masakari_object.name": name,
        "masakari_object.namespace": "masakari",
        "masakari_object.version": "1.0",
        "masakari_object.data": data,
    }


def _fault(exc: BaseException) -> dict:
    frames = traceback.extract_tb(exc.__traceback__) if exc.__traceback__ else []
    last = frames[-1] if frames else None
    return _object(
        "ExceptionPayload",
        {
            "exception": type(exc).__name__,
            "exception_message": str(exc),
            "function_name": last.name if last else "",
            "module_name": (last.filename.rsplit("/", 1)[-1].removesuffix(".py")) if last else "",
            "traceback": "".join(traceback.format_exception(exc)),
        },
    )


def _time(value: dt.datetime | None) -> str | None:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


class ProcessNotifier:
    def __init__(self, conf: cfg.ConfigOpts, host: str):
        _register(conf)
        self._notifier = None
        if conf.oslo_messaging_notifications.driver:
            transport = messaging.get_notification_transport(conf)
            self._notifier = messaging.Notifier(
                transport,
                publisher_id=f"masakari-engine:{host}",
                topics=["versioned_notifications"],
            )

    def emit(self, phase: str, notification, status: str, exc: BaseException | None = None):
        if self._notifier is None:  # no driver configured: build nothing
            return
        data = {
            "notification_uuid": notification.uuid,
            "generated_time": _time(notification.generated_time),
            "source_host_uuid": notification.source_host_uuid,
            "type": notification.type,
            "payload": notification.payload,
            "status": str(status),
            "fault": _fault(exc) if exc is not None else None,
        }
        event_type = f"notification.process.{phase}"
        payload = _object("NotificationApiPayload", data)
        try:
            if phase == "error":
                self._notifier.error({}, event_type, payload)
            else:
                self._notifier.info({}, event_type, payload)
        except Exception:
            LOG.warning("Could not emit %s", event_type, exc_info=True)
