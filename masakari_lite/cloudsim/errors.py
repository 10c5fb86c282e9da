"""Errors the simulated services return, each carrying its HTTP code like Nova's faults."""

from __future__ import annotations

# Nova names the body's single key after the status code.
_FAULT_NAMES = {
    400: "badRequest",
    401: "unauthorized",
    403: "forbidden",
    404: "itemNotFound",
    405: "badMethod",
    409: "conflictingRequest",
    413: "overLimit",
    415: "badMediaType",
    429: "overLimit",
    501: "notImplemented",
    503: "serviceUnavailable",
}


def fault_name(code: int) -> str:
    return _FAULT_NAMES.get(code, "computeFault")


def fault_body(code: int, message: str) -> dict:
    return {fault_name(code): {"code": code, "message": message}}


class SimError(Exception):
    code = 500

    def __init__(self, message: str, code: int | None = None):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


class BadRequest(SimError):
    code = 400


class Unauthorized(SimError):
    code = 401


class Forbidden(SimError):
    code = 403


class NotFound(SimError):
    code = 404


class NotAcceptable(SimError):
    code = 406


class Conflict(SimError):
    code = 409


def policy_denied(rule: str) -> Forbidden:
    return Forbidden(f"Policy doesn't allow {rule} to be performed.")
