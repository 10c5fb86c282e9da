"""405 badMethod for the actions upstream's router generates but no controller implements.

Upstream maps every v1 resource with python-routes' resource generation. A
collection gets ``index`` (GET), ``create`` (POST) and ``new`` (GET .../new);
a member gets ``show`` (GET), ``update`` (PUT), ``delete`` (DELETE) and
``edit`` (GET .../{id}/edit); segments and notifications also declare a member
``action`` (POST .../{id}/action). Every such route exists with and without
the /{project_id} segment, and with and without a ``.json``/``.xml`` suffix.
A request that reaches a generated route whose controller lacks the method
gets 405; one that reaches no route at all gets the router's plain 404
(``notfound.router_not_found``).

Upstream decides the 405 before it reads the body or compares the URL's
project with the caller's, but after the body size and Content-Type checks,
so this middleware sits between authentication and ``V1Gate``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from masakari_lite.api.middleware import ACCEPTED_TYPES, header, send_error
from masakari_lite.db import errors


@dataclass(frozen=True)
class Resource:
    path: str  # below /v1; a parent's id is ``{}``
    implemented: frozenset[str]
    member_action: bool = False


ALL = frozenset({"index", "show", "create", "update", "delete"})

# What upstream registers, and what its controllers implement.
RESOURCES = (
    Resource("extensions", frozenset({"index", "show"})),
    Resource("segments", ALL, member_action=True),
    Resource("segments/{}/hosts", ALL),
    Resource("notifications", frozenset({"index", "show", "create"}), member_action=True),
    Resource("notifications/{}/vmoves", frozenset({"index", "show"})),
    Resource("versions", frozenset({"show"})),
)

# routes' member id: anything up to the next slash that does not end in a backslash.
_ID = r"[^/]+(?<!\\)"
_PARENT_ID = r"[^/]+"


def generated(resource: Resource) -> list[tuple[str, str, str]]:
    """(method, path pattern below the collection, action) of every generated route."""
    routes = [
        ("GET", "", "index"),
        ("POST", "", "create"),
        ("GET", "/new", "new"),
        ("GET", f"/{_ID}/edit", "edit"),
        ("PUT", f"/{_ID}", "update"),
        ("DELETE", f"/{_ID}", "delete"),
        ("GET", f"/{_ID}", "show"),
    ]
    if resource.member_action:
        routes.append(("POST", f"/{_ID}/action", "action"))
    return routes


def _patterns() -> dict[str, re.Pattern]:
    """One regex per method; the name of the group that matched is the action."""
    by_action: dict[tuple[str, str], list[str]] = {}
    for resource in RESOURCES:
        collection = re.escape(resource.path).replace(re.escape("{}"), _PARENT_ID)
        for method, tail, action in generated(resource):
            if action not in resource.implemented:
                by_action.setdefault((method, action), []).append(collection + tail)
    grouped: dict[str, list[str]] = {}
    for (method, action), paths in by_action.items():
        grouped.setdefault(method, []).append(f"(?P<{action}>{'|'.join(paths)})")
    # The project segment is V1Gate's [0-9a-f-]+; the suffix is routes' formatted variant.
    return {
        method: re.compile(rf"/v1(?:/[0-9a-f\-]+)?/(?:{'|'.join(alts)})(?:\.(?:json|xml))?")
        for method, alts in grouped.items()
    }


_BY_METHOD = _patterns()


def unimplemented_action(method: str, path: str) -> str | None:
    """The generated action ``method path`` reaches but upstream does not implement."""
    pattern = _BY_METHOD.get(method)
    match = pattern.fullmatch(path) if pattern else None
    return match.lastgroup if match else None


def not_allowed(method: str, action: str) -> errors.MethodNotAllowed:
    return errors.MethodNotAllowed(
        f"The request method: '{method}' with action: '{action}' is not allowed on this resource"
    )


class BadMethod:
    """ASGI middleware answering upstream's 405 for generated, unimplemented actions."""

    def __init__(self, app, *, max_body: int):
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope, receive, send):
        action = None
        if scope["type"] == "http":
            action = unimplemented_action(scope["method"], scope["path"])
        if action is None:
            await self.app(scope, receive, send)
            return
        await send_error(send, self._refusal(scope, action))

    def _refusal(self, scope, action: str) -> errors.MasakariError:
        # Upstream's size limit and Content-Type check (on every method) come first.
        declared = header(scope, b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body:
            return errors.TooLarge("Request is too large.")
        media = (header(scope, b"content-type") or "").split(";", 1)[0].strip().lower()
        if media not in ACCEPTED_TYPES:
            return errors.UnsupportedMediaType("Unsupported Content-Type")
        return not_allowed(scope["method"], action)
