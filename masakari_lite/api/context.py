"""Who is calling: the request context, built once per request by the middleware."""

from __future__ import annotations

from dataclasses import dataclass, field

from masakari_lite.db import errors

# noauth2 without a token: upstream hands out ``admin:admin``.
NOAUTH_DEFAULT_USER = "admin"
NOAUTH_DEFAULT_PROJECT = "admin"


@dataclass
class RequestContext:
    user_id: str | None
    project_id: str | None
    roles: list[str] = field(default_factory=list)
    request_id: str = ""
    is_admin: bool = False

    def creds(self) -> dict:
        return {
            "user_id": self.user_id,
            "project_id": self.project_id,
            "roles": self.roles,
            "is_admin": self.is_admin,
        }


def from_noauth(token: str | None, request_id: str) -> RequestContext:
    """noauth2 (development and tests only): a ``user:project`` token names the caller.

    Everyone is admin, whatever the token says.
    """
    if token:
        user, _sep, project = token.partition(":")
        project = project or user
    else:
        user, project = NOAUTH_DEFAULT_USER, NOAUTH_DEFAULT_PROJECT
    return RequestContext(
        user_id=user, project_id=project, roles=["admin"], request_id=request_id, is_admin=True
    )


def from_keystone_headers(headers: dict[str, str], request_id: str) -> RequestContext:
    """The identity keystonemiddleware's auth_token validated and put in X-* headers."""
    if headers.get("x-identity-status", "Invalid") != "Confirmed":
        raise errors.Unauthorized("The request you have made requires authentication.")
    user = headers.get("x-user-id") or headers.get("x-user")
    if not user:
        raise errors.Unauthorized("The request you have made requires authentication.")
    project = headers.get("x-project-id") or headers.get("x-tenant-id") or headers.get("x-tenant")
    roles = [r.strip() for r in headers.get("x-roles", "").split(",") if r.strip()]
    return RequestContext(user_id=user, project_id=project, roles=roles, request_id=request_id)
