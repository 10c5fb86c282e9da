"""A Keystone v3 stand-in: version discovery, password and token auth, a catalog."""

from __future__ import annotations

import asyncio
import secrets
from datetime import timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from masakari_lite.cloudsim import errors
from masakari_lite.cloudsim import model as m
from masakari_lite.cloudsim.cloud import DEFAULT_DOMAIN, Cloud
from masakari_lite.cloudsim.http import error_response, fail_injected, json_response, read_json

REGION = "RegionOne"
_DOMAIN = {"id": DEFAULT_DOMAIN, "name": "Default"}


def _version(root: str) -> dict[str, Any]:
    return {
        "id": "v3.14",
        "status": "stable",
        "updated": "2020-04-07T00:00:00Z",
        "links": [{"rel": "self", "href": f"{root}identity/v3/"}],
        "media-types": [
            {"base": "application/json", "type": "application/vnd.openstack.identity-v3+json"}
        ],
    }


async def versions(request: Request) -> Response:
    """GET /identity"""
    return json_response({"versions": {"values": [_version(str(request.base_url))]}}, 300)


async def version_v3(request: Request) -> Response:
    """GET /identity/v3"""
    return json_response({"version": _version(str(request.base_url))})


def _catalog(cloud: Cloud, root: str, project_id: str | None) -> list[dict[str, Any]]:
    def endpoints(url: str, tag: str) -> list[dict[str, str]]:
        return [
            {
                "id": f"{tag}-{iface}",
                "interface": iface,
                "region": REGION,
                "region_id": REGION,
                "url": url,
            }
            for iface in ("public", "internal", "admin")
        ]

    catalog = [
        {
            "type": "compute",
            "name": "nova",
            "id": "compute",
            "endpoints": endpoints(f"{root}v2.1", "compute"),
        },
        {
            "type": "identity",
            "name": "keystone",
            "id": "identity",
            "endpoints": endpoints(f"{root}identity", "identity"),
        },
    ]
    for service_type, (name, url) in cloud.catalog_services.items():
        for key in ("$(project_id)s", "$(tenant_id)s"):
            url = url.replace(key, project_id or "")
        catalog.append(
            {
                "type": service_type,
                "name": name,
                "id": service_type,
                "endpoints": endpoints(url, service_type),
            }
        )
    return catalog


def _find_user(cloud: Cloud, spec: dict) -> m.User:
    user = cloud.users.get(spec.get("id", "")) if spec.get("id") else None
    if user is None and spec.get("name"):
        user = cloud.user_by_name(spec["name"])
    if user is None:
        raise errors.Unauthorized("The request you have made requires authentication.")
    return user


def _scope_project(cloud: Cloud, user: m.User, scope: Any) -> str | None:
    if not scope:
        return user.project_id
    if not isinstance(scope, dict):
        raise errors.BadRequest("scope must be an object")
    if "system" in scope or "domain" in scope:
        return None
    spec = scope.get("project")
    if not isinstance(spec, dict):
        raise errors.BadRequest("Unsupported scope: only project, domain and system scopes exist.")
    project = cloud.projects.get(spec.get("id", "")) if spec.get("id") else None
    if project is None and spec.get("name"):
        project = cloud.project_by_name(spec["name"])
    if project is None:
        raise errors.Unauthorized(f"Project {spec.get('id') or spec.get('name')} not found.")
    # every user has its roles on its own project; admins on every project
    if project.id != user.project_id and not user.is_admin:
        raise errors.Unauthorized(f"User {user.id} has no access to project {project.id}")
    return project.id


def _token_body(cloud: Cloud, root: str, token: str, methods: list[str]) -> dict[str, Any]:
    user, project_id, expires = cloud.tokens[token]
    issued = cloud.clock.wall(cloud.now)
    assert issued is not None
    body: dict[str, Any] = {
        "methods": methods,
        "user": {"id": user.id, "name": user.name, "domain": _DOMAIN, "password_expires_at": None},
        "audit_ids": [secrets.token_urlsafe(16)],
        "issued_at": issued.strftime("%Y-%m-%dT%H:%M:%S.%f") + "Z",
        "expires_at": (issued + timedelta(seconds=expires - cloud.now)).strftime(
            "%Y-%m-%dT%H:%M:%S.%f"
        )
        + "Z",
        "roles": [{"id": f"role-{r}", "name": r} for r in user.roles],
        "catalog": _catalog(cloud, root, project_id),
    }
    if project_id:
        project = cloud.projects.get(project_id)
        body["project"] = {
            "id": project_id,
            "name": project.name if project else project_id,
            "domain": _DOMAIN,
        }
        body["is_domain"] = False
    else:
        body["system"] = {"all": True}
    return {"token": body}


async def _faults(cloud: Cloud, op: str) -> None:
    """Keystone calls take injected faults too (op names identity.tokens.*)."""
    cloud.record_call(op, None)
    with cloud.lock:
        decision = cloud.faults.decide(op)
    if decision.latency:
        await asyncio.sleep(decision.latency)
    if decision.fails:
        await fail_injected(decision)


async def issue_token(request: Request) -> Response:
    """POST /identity/v3/auth/tokens"""
    cloud: Cloud = request.app.state.cloud
    try:
        await _faults(cloud, "identity.tokens.issue")
        body = await read_json(request)
        auth = body.get("auth") if isinstance(body, dict) else None
        identity = auth.get("identity") if isinstance(auth, dict) else None
        methods = identity.get("methods") if isinstance(identity, dict) else None
        if not isinstance(methods, list) or not methods:
            raise errors.BadRequest("auth.identity.methods must be a non-empty list")
        with cloud.session():
            if "password" in methods:
                spec = (identity.get("password") or {}).get("user") or {}
                user = _find_user(cloud, spec)
                if spec.get("password") != user.password:
                    raise errors.Unauthorized("The request you have made requires authentication.")
                expires = cloud.now + cloud.config.token_lifetime
            elif "token" in methods:
                old = (identity.get("token") or {}).get("id")
                entry = cloud.live_token(old)
                if entry is None:
                    raise errors.NotFound(f"Could not find token: {old}.")
                # as in Keystone, a token got from a token expires with it
                user, expires = entry[0], entry[2]
            else:
                raise errors.Unauthorized(f"Unsupported auth methods: {methods}")
            project_id = _scope_project(cloud, user, auth.get("scope"))
            token = "gAAAA" + secrets.token_urlsafe(32)
            cloud.tokens[token] = (user, project_id, expires)
            reply = _token_body(cloud, str(request.base_url), token, methods)
    except errors.SimError as exc:
        return error_response(exc)
    except (AttributeError, TypeError, KeyError):
        return error_response(errors.BadRequest("Malformed auth request body."))
    return json_response(reply, 201, {"X-Subject-Token": token})


async def validate_token(request: Request) -> Response:
    """GET /identity/v3/auth/tokens"""
    cloud: Cloud = request.app.state.cloud
    subject = request.headers.get("x-subject-token", "")
    with cloud.session():
        auth = request.headers.get("x-auth-token")
        if auth in cloud.tokens:
            allowed = cloud.live_token(auth) is not None
        else:
            allowed = bool(auth) and not cloud.config.strict_auth
        if not allowed:
            return error_response(
                errors.Unauthorized("The request you have made requires authentication.")
            )
        if cloud.live_token(subject) is None:
            return error_response(errors.NotFound(f"Could not find token: {subject}."))
        reply = _token_body(cloud, str(request.base_url), subject, ["password"])
    return json_response(reply, 200, {"X-Subject-Token": subject})


async def revoke_token(request: Request) -> Response:
    """DELETE /identity/v3/auth/tokens"""
    cloud: Cloud = request.app.state.cloud
    with cloud.lock:
        if cloud.tokens.pop(request.headers.get("x-subject-token", ""), None) is None:
            return error_response(errors.NotFound("Could not find token."))
    return Response(status_code=204)


ROUTES = [
    Route("/identity", versions, methods=["GET"]),
    Route("/identity/", versions, methods=["GET"]),
    Route("/identity/v3", version_v3, methods=["GET"]),
    Route("/identity/v3/", version_v3, methods=["GET"]),
    Route("/identity/v3/auth/tokens", issue_token, methods=["POST"]),
    Route("/identity/v3/auth/tokens", validate_token, methods=["GET", "HEAD"]),
    Route("/identity/v3/auth/tokens", revoke_token, methods=["DELETE"]),
]
