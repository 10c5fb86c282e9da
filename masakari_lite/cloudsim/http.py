"""What every compute handler shares: the caller, the microversion, faults, replies."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from masakari_lite.cloudsim import errors, microversion
from masakari_lite.cloudsim.cloud import Cloud
from masakari_lite.cloudsim.faults import Decision
from masakari_lite.cloudsim.microversion import Version
from masakari_lite.cloudsim.views import Links


@dataclass
class Caller:
    user_id: str
    user_name: str
    project_id: str
    roles: list[str]

    @property
    def is_admin(self) -> bool:
        return "admin" in self.roles


def caller_for(cloud: Cloud, token: str | None) -> Caller:
    """Keystone tokens first; otherwise act like Nova's noauth: admin, or 'user:project'."""
    if token and token in cloud.tokens:
        entry = cloud.live_token(token)
        if entry is None:  # known and expired: never fall back to noauth for it
            raise errors.Unauthorized("The request you have made requires authentication.")
        user, project_id, _ = entry
        return Caller(user.id, user.name, project_id, list(user.roles))
    if cloud.config.strict_auth:
        raise errors.Unauthorized("The request you have made requires authentication.")
    if token and ":" in token:
        name, project = token.split(":", 1)
        roles = ["admin", "member", "reader"] if name == "admin" else ["member", "reader"]
        return Caller(name, name, project or name, roles)
    admin = cloud.user_by_name("admin")
    assert admin is not None
    return Caller(admin.id, admin.name, admin.project_id, list(admin.roles))


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    if body is None:
        return Response(status_code=status, headers=headers)
    return Response(
        json.dumps(body), status_code=status, headers=headers, media_type="application/json"
    )


def error_response(exc: errors.SimError, headers: dict[str, str] | None = None) -> Response:
    if exc.code == 401:
        body = {"error": {"code": 401, "title": "Unauthorized", "message": exc.message}}
        hdrs = {"WWW-Authenticate": "Keystone uri='/identity'", **(headers or {})}
        return json_response(body, 401, hdrs)
    return json_response(errors.fault_body(exc.code, exc.message), exc.code, headers)


async def read_json(request: Request, required: bool = True) -> Any:
    raw = await request.body()
    if not raw.strip():
        if required:
            raise errors.BadRequest("The request body is missing or empty.")
        return None
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise errors.BadRequest("Malformed request body") from None


@dataclass
class Ctx:
    cloud: Cloud
    caller: Caller
    version: Version
    links: Links
    request: Request
    op: str | None = None
    server: str | None = None
    decision: Decision = field(default_factory=Decision)

    @property
    def admin(self) -> bool:
        return self.caller.is_admin

    def require_admin(self, rule: str) -> None:
        if not self.caller.is_admin:
            raise errors.policy_denied(rule)

    def at_least(self, major: int, minor: int) -> bool:
        return self.version >= (major, minor)

    def next_link(self, path: str, marker: str) -> list[dict[str, str]]:
        """A "next" page link: this request's query, sorted, with the marker replaced."""
        q = self.request.query_params
        params = sorted((k, v) for k, v in q.multi_items() if k != "marker")
        params.append(("marker", marker))
        return [{"rel": "next", "href": f"{self.links.api}{path}?{urlencode(params)}"}]

    async def gate(self, op: str, server: str | None = None) -> None:
        """Count the call and apply the injected faults that match it."""
        self.op, self.server = op, server
        self.cloud.record_call(op, server)
        with self.cloud.lock:
            self.decision = self.cloud.faults.decide(op, server)
        if self.decision.latency:
            await asyncio.sleep(self.decision.latency)
        if self.decision.fails and not self.decision.after:
            await fail_injected(self.decision)


async def fail_injected(decision: Decision) -> None:
    if decision.timeout:
        await asyncio.sleep(decision.timeout)
        raise errors.SimError("Gateway Timeout (injected fault).", 504)
    raise errors.SimError(decision.message, decision.status)


Handler = Callable[[Ctx], Awaitable[Response]]


def compute_endpoint(fn: Handler) -> Callable[[Request], Awaitable[Response]]:
    """Wrap a compute handler: version and caller in, Nova's envelope and headers out."""

    async def endpoint(request: Request) -> Response:
        cloud: Cloud = request.app.state.cloud
        headers = {}
        try:
            version = microversion.from_headers(request.headers)
            headers = microversion.response_headers(version)
            caller = caller_for(cloud, request.headers.get("x-auth-token"))
            links = Links(str(request.base_url), request.scope.get("cloudsim.project_id"))
            ctx = Ctx(cloud, caller, version, links, request)
            response = await fn(ctx)
            if response.status_code < 400 and ctx.op:
                cloud.record_accepted(ctx.op, ctx.server)
                if ctx.decision.fails and ctx.decision.after:
                    await fail_injected(ctx.decision)
        except errors.SimError as exc:
            return error_response(exc, headers)
        response.headers.update(headers)
        return response

    return endpoint


_TRUE = ("1", "t", "true", "on", "y", "yes")
_FALSE = ("0", "f", "false", "off", "n", "no")
_BOOL_ENUM = (
    "[True, 'True', 'TRUE', 'true', '1', 'ON', 'On', 'on', 'YES', 'Yes', 'yes', False, "
    "'False', 'FALSE', 'false', '0', 'OFF', 'Off', 'off', 'NO', 'No', 'no']"
)


def int_param(value: str | None, name: str, minimum: int = 0) -> int | None:
    """A non-negative integer query parameter, refused as Nova's query schema does."""
    if value is None:
        return None
    if not value.isdigit():
        raise errors.BadRequest(
            f"Invalid input for query parameters {name}. Value: {value}. "
            f"'{value}' does not match '^[0-9]*$'"
        )
    number = int(value)
    if number < minimum:
        raise errors.BadRequest(f"{name} param must be positive")
    return number


def bool_param(value: Any, name: str, query: bool = False) -> bool:
    """strutils.bool_from_string(strict=True), with Nova's two ways of saying no."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    if query:
        accepted = ", ".join(f"'{v}'" for v in sorted(_TRUE + _FALSE))
        raise errors.BadRequest(f"Unrecognized value '{value}', acceptable values are: {accepted}")
    raise invalid(name, value, f"{value!r} is not one of {_BOOL_ENUM}")


def invalid(field_name: str, value: Any, reason: str) -> errors.BadRequest:
    return errors.BadRequest(
        f"Invalid input for field/attribute {field_name}. Value: {value}. {reason}"
    )


def check_keys(obj: Any, name: str, allowed: set[str], required: set[str] = frozenset()) -> dict:
    """Object shape checks worded like Nova's JSON-schema errors ("body" = the whole body)."""

    def fail(reason: str) -> errors.BadRequest:
        return errors.BadRequest(reason) if name == "body" else invalid(name, obj, reason)

    if not isinstance(obj, dict):
        raise fail(f"{obj!r} is not of type 'object'")
    for key in sorted(required):
        if key not in obj:
            raise fail(f"'{key}' is a required property")
    extra = sorted(set(obj) - allowed)
    if extra:
        quoted = ", ".join(f"'{k}'" for k in extra)
        verb = "was" if len(extra) == 1 else "were"
        raise fail(f"Additional properties are not allowed ({quoted} {verb} unexpected)")
    return obj


def string_field(
    obj: dict, key: str, name: str = "", max_len: int = 255, min_len: int = 1
) -> str | None:
    if key not in obj:
        return None
    value = obj[key]
    if not isinstance(value, str):
        raise invalid(key, value, f"{value!r} is not of type 'string'")
    if len(value) < min_len:
        raise invalid(key, value, f"{value!r} should be non-empty")
    if len(value) > max_len:
        raise invalid(key, value, f"{value!r} is too long")
    return value
