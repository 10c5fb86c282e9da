"""Request and notification ids on every log record, wherever the record is made.

The API's outermost middleware binds the request id for the request's task
(Starlette copies the context into the thread a sync route runs in); the
engine binds the notification id in the worker that recovers it. A record
factory (not a handler filter) adds both to every record, so third-party
loggers and handlers installed by others (uvicorn's) carry them too.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
from collections.abc import Iterator

REQUEST_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "masakari_request_id", default=None
)
NOTIFICATION_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "masakari_notification_id", default=None
)

FORMAT = (
    "%(asctime)s %(process)d %(levelname)s %(name)s "
    "[%(request_id)s notification=%(notification_id)s] %(message)s"
)

_installed = False


def bind_request(request_id: str | None) -> contextvars.Token:
    return REQUEST_ID.set(request_id)


def bind_notification(notification_id: str | None) -> contextvars.Token:
    return NOTIFICATION_ID.set(notification_id)


@contextlib.contextmanager
def notification(notification_id: str | None) -> Iterator[None]:
    """Bind the notification id for the duration of the block."""
    token = NOTIFICATION_ID.set(notification_id)
    try:
        yield
    finally:
        NOTIFICATION_ID.reset(token)


class ContextFilter(logging.Filter):
    """Adds ``request_id`` and ``notification_id`` ('-' when unbound) to a record.

    For handlers outside this process's record factory, e.g. a handler a
    test attaches to a logger it owns.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        _annotate(record)
        return True


def _annotate(record: logging.LogRecord) -> None:
    if not hasattr(record, "request_id"):
        record.request_id = REQUEST_ID.get() or "-"
    if not hasattr(record, "notification_id"):
        record.notification_id = NOTIFICATION_ID.get() or "-"


def install() -> None:
    """Make every record created from now on carry both ids (idempotent)."""
    global _installed
    if _installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args, **kwargs) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        _annotate(record)
        return record

    logging.setLogRecordFactory(factory)
    _installed = True


def setup_logging(debug: bool = False, stream=None) -> None:
    """Root logging for our commands: the ids in every line."""
    install()
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.INFO, format=FORMAT, stream=stream
    )
