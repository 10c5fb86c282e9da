"""Pure ASGI middleware around the routers (no per-request BaseHTTPMiddleware cost).

``Envelope`` (outermost): request id, microversion, the version/Vary headers
and one access-log line for every response, including auth_token's 401s.

``V1Gate`` (inside auth): for ``/v1`` requests, the caller's context, the
optional ``/{project_id}`` path segment, and the request body (size limit,
media type, UTF-8, JSON), parsed once and handed to the routes in the scope.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import Callable

from masakari_lite import logcontext
from masakari_lite.api import context as ctx
from masakari_lite.api import versions
from masakari_lite.db import errors

ACCESS_LOG = logging.getLogger("masakari_lite.api.access")

REQUEST_ID = "masakari.request_id"
VERSION = "masakari.version"
CONTEXT = "masakari.context"
BODY = "masakari.body"

_VARY = (b"vary", b"OpenStack-API-Version")
_JSON_TYPE = (b"content-type", b"application/json")
ACCEPTED_TYPES = frozenset(
    {"", "text/plain", "application/json", "application/vnd.openstack.masakari+json"}
)
_PROJECT_ID = re.compile(r"^[0-9a-f\-]+$")


async def send_json(send, status: int, body: dict, headers: list | None = None) -> None:
    payload = json.dumps(body, separators=(",", ":")).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [_JSON_TYPE, (b"content-length", str(len(payload)).encode())]
            + (headers or []),
        }
    )
    await send({"type": "http.response.body", "body": payload})


async def send_error(send, exc: errors.MasakariError) -> None:
    await send_json(send, exc.code, {exc.fault: {"code": exc.code, "message": exc.message}})


def header(scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return value.decode("latin-1")
    return None


class Envelope:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = f"req-{uuid.uuid4()}"
        scope[REQUEST_ID] = request_id
        # Each request runs in its own task (and context); sync routes get a copy.
        logcontext.bind_request(request_id)
        status_seen = [0]
        version_error = None
        try:
            scope[VERSION] = versions.parse_header(header(scope, b"openstack-api-version"))
        except errors.MasakariError as exc:
            scope[VERSION] = versions.MIN_VERSION
            path = scope["path"]
            # Only the versioned API rejects a bad header; discovery and health ignore it.
            if path == "/v1" or path.startswith("/v1/"):
                version_error = exc
        version_header = (
            b"openstack-api-version",
            f"{versions.SERVICE} {versions.fmt(scope[VERSION])}".encode(),
        )
        extra = [(b"x-openstack-request-id", request_id.encode()), version_header, _VARY]

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                status_seen[0] = message["status"]
                headers = [h for h in message.get("headers", ()) if h[0].lower() != b"vary"] + extra
                message = {**message, "headers": headers}
            await send(message)

        try:
            if version_error is not None:
                await send_error(send_with_headers, version_error)
            else:
                await self.app(scope, receive, send_with_headers)
        finally:
            path = scope.get("masakari.original_path", scope["path"])
            query = scope.get("query_string", b"")
            client = scope.get("client") or ("-", 0)
            ACCESS_LOG.info(
                '%s %s "%s %s%s" status: %s time: %.2fms',
                request_id,
                client[0],
                scope["method"],
                path,
                f"?{query.decode('latin-1')}" if query else "",
                status_seen[0] or 500,
                (time.perf_counter() - started) * 1000,
            )


class V1Gate:
    def __init__(
        self,
        app,
        *,
        auth_strategy: str,
        max_body: int,
        is_admin: Callable[[ctx.RequestContext], bool],
    ):
        self.app = app
        self.noauth = auth_strategy == "noauth2"
        self.max_body = max_body
        self.is_admin = is_admin

    async def __call__(self, scope, receive, send):
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if not (path == "/v1" or path.startswith("/v1/")):
            await self.app(scope, receive, send)
            return
        if path in ("/v1", "/v1/"):
            # The version document is public, for keystoneauth's discovery.
            await self.app(scope, receive, send)
            return
        try:
            context = self._context(scope)
            scope[CONTEXT] = context
            self._strip_project(scope, path, context)
            if scope["method"] in ("POST", "PUT"):
                scope[BODY] = await self._body(scope, receive)
                receive = _empty_receive(receive)
        except errors.MasakariError as exc:
            await send_error(send, exc)
            return
        await self.app(scope, receive, send)

    def _context(self, scope) -> ctx.RequestContext:
        request_id = scope[REQUEST_ID]
        if self.noauth:
            return ctx.from_noauth(header(scope, b"x-auth-token"), request_id)
        headers = {
            k.decode("latin-1"): v.decode("latin-1")
            for k, v in scope["headers"]
            if k.startswith(b"x-")
        }
        context = ctx.from_keystone_headers(headers, request_id)
        context.is_admin = self.is_admin(context)
        return context

    @staticmethod
    def _strip_project(scope, path: str, context: ctx.RequestContext) -> None:
        # /v1/{project_id}/... and /v1/... are the same routes. Collection
        # names contain letters outside [0-9a-f], so they never look like one.
        rest = path[4:]
        first, sep, tail = rest.partition("/")
        if not first or not _PROJECT_ID.match(first):
            return
        if first != context.project_id:
            raise errors.BadRequest(
                f"Malformed request URL: URL's project_id '{first}' doesn't match "
                f"Context's project_id '{context.project_id}'"
            )
        new_path = "/v1" + (sep + tail if sep else "")
        scope["masakari.original_path"] = path
        scope["path"] = new_path
        scope["raw_path"] = new_path.encode()

    async def _body(self, scope, receive) -> object:
        media = (header(scope, b"content-type") or "").split(";", 1)[0].strip().lower()
        if media not in ACCEPTED_TYPES:
            raise errors.UnsupportedMediaType("Unsupported Content-Type")
        declared = header(scope, b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body:
            raise errors.TooLarge("Request is too large.")
        chunks = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                raise errors.TooLarge("Request is too large.")
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        raw = b"".join(chunks)
        if not raw.strip():
            return None
        try:
            text = raw.decode("utf-8")
            value = json.loads(text)
            if "\\u" in text:
                # An escaped lone surrogate decodes to a str no encoder or database
                # accepts; UnicodeEncodeError is a ValueError.
                json.dumps(value, ensure_ascii=False).encode("utf-8")
            return value
        except (UnicodeDecodeError, ValueError, RecursionError):
            raise errors.BadRequest("Malformed request body") from None


def _empty_receive(receive):
    sent = [False]

    async def inner():
        if not sent[0]:
            sent[0] = True
            return {"type": "http.request", "body": b"", "more_body": False}
        return await receive()

    return inner
