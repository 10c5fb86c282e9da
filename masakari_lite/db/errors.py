"""Domain errors, each carrying the HTTP status and upstream fault name it maps to.

Raised by the query modules, the API and the engine alike; ``api/errors.py``
is the one place that renders them as ``{"<fault>": {"code", "message"}}``.
"""

from __future__ import annotations


class MasakariError(Exception):
    code: int = 500
    fault: str = "masakariFault"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class BadRequest(MasakariError):
    code = 400
    fault = "badRequest"


class Unauthorized(MasakariError):
    code = 401
    fault = "unauthorized"


class Forbidden(MasakariError):
    code = 403
    fault = "forbidden"


class NotFound(MasakariError):
    code = 404
    fault = "itemNotFound"


class MethodNotAllowed(MasakariError):
    code = 405
    fault = "badMethod"


class NotAcceptable(MasakariError):
    """A well-formed microversion outside the supported range; upstream's fault name."""

    code = 406
    fault = "masakariFault"


class Conflict(MasakariError):
    code = 409
    fault = "conflictingRequest"


class TooLarge(MasakariError):
    code = 413
    fault = "overLimit"


class UnsupportedMediaType(MasakariError):
    code = 415
    fault = "badMediaType"


class ServiceUnavailable(MasakariError):
    code = 503
    fault = "serviceUnavailable"


# Named errors with upstream's exact messages, so every caller says the same thing.


def segment_not_found(segment_id: str) -> NotFound:
    return NotFound(f"No failover segment with id {segment_id}.")


def host_not_found(host_id: str) -> NotFound:
    return NotFound(f"No host with id {host_id}.")


def host_not_in_segment(host_id: str, segment_id: str) -> NotFound:
    return NotFound(f"Host '{host_id}' under failover_segment '{segment_id}' could not be found.")


def notification_not_found(notification_id: str) -> NotFound:
    return NotFound(f"No notification with id {notification_id}.")


def vmove_not_found(vmove_id: str) -> NotFound:
    return NotFound(f"No vm move with id {vmove_id}.")


def marker_not_found(marker: str) -> BadRequest:
    return BadRequest(f"Marker {marker} could not be found.")


def invalid_input(reason: str) -> BadRequest:
    return BadRequest(f"Invalid input received: {reason}")
