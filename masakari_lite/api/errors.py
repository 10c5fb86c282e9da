"""The one place that turns errors into upstream's ``{"<fault>": {"code", "message"}}``."""

from __future__ import annotations

import json
import logging

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import Response

from masakari_lite.api import notfound, versions
from masakari_lite.compute.errors import ComputeError, ComputeUnavailable
from masakari_lite.db import errors

LOG = logging.getLogger(__name__)

_FAULTS = {
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

UNEXPECTED = (
    "Unexpected API Error. Please report this at https://bugs.launchpad.net/masakari/ and "
    "attach the Masakari API log if possible.\n{}"
)


class JSON(Response):
    """JSON without a per-request pydantic pass, rendered by orjson (a few percent of
    a GET's CPU less than the json module)."""

    media_type = "application/json"

    def render(self, content) -> bytes:
        if content is None:
            return b""
        try:
            return orjson.dumps(content)
        except TypeError:
            # A str UTF-8 cannot carry (a lone surrogate): ASCII escapes can.
            return json.dumps(content, separators=(",", ":")).encode()


def fault_body(code: int, message: str) -> dict:
    return {_FAULTS.get(code, "masakariFault"): {"code": code, "message": message}}


def fault(code: int, message: str) -> JSON:
    return JSON(fault_body(code, message), status_code=code)


def render(exc: errors.MasakariError) -> JSON:
    return JSON({exc.fault: {"code": exc.code, "message": exc.message}}, status_code=exc.code)


def _base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def install(app: FastAPI) -> None:
    @app.exception_handler(errors.MasakariError)
    async def _domain(request: Request, exc: errors.MasakariError) -> Response:
        return render(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        # FastAPI's 422 never reaches a client: upstream answers 400 badRequest.
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p not in ("body", "query"))
        return fault(400, f"Invalid input for {where}: {first.get('msg', 'invalid value')}")

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> Response:
        path = request.scope.get("path", "")
        in_v1 = path == "/v1" or path.startswith("/v1/")
        if in_v1 and exc.status_code in (404, 405):
            # No route for this method and path (the generated but unimplemented
            # ones got their 405 from unimplemented.BadMethod): upstream's router says 404.
            return notfound.router_not_found(request.headers.get("accept"))
        if exc.status_code == 404:
            # Outside /v1 every path is a version choice, as upstream's root app answers.
            return JSON(versions.choices_document(_base_url(request), path), status_code=300)
        if exc.status_code == 405:
            return fault(405, "The method is not allowed for this resource.")
        return fault(exc.status_code, str(exc.detail))

    @app.exception_handler(ComputeError)
    async def _compute(request: Request, exc: ComputeError) -> Response:
        if exc.status_code == 403 and not isinstance(exc, ComputeUnavailable):
            return fault(403, f"Nova refused the compute service lookup: {exc}")
        return fault(503, f"Nova could not be asked whether the compute host exists: {exc}")

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        LOG.exception("Unexpected API error")
        return fault(500, UNEXPECTED.format(type(exc)))
