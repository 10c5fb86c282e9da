"""Nova's servers API: list, show, create, delete, metadata and the server actions."""

from __future__ import annotations

import secrets
import uuid as uuidlib
from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from masakari_lite.cloudsim import errors, views
from masakari_lite.cloudsim import model as m
from masakari_lite.cloudsim.http import (
    Ctx,
    bool_param,
    check_keys,
    compute_endpoint,
    int_param,
    invalid,
    json_response,
    read_json,
    string_field,
)


def _instance(ctx: Ctx, server_id: str) -> m.Instance:
    # a tenant only sees its own project's servers; others are simply not found
    project = None if ctx.admin else ctx.caller.project_id
    return ctx.cloud.get_instance(server_id, project)


def _all_tenants(query) -> bool:
    if "all_tenants" not in query:
        return False
    value = query.get("all_tenants")
    return True if value == "" else bool_param(value, "all_tenants", query=True)


async def _list(ctx: Ctx, detail: bool) -> Response:
    collection = "servers/detail" if detail else "servers"
    await ctx.gate("servers.detail" if detail else "servers.index")
    q = ctx.request.query_params
    all_tenants = _all_tenants(q)
    if all_tenants:
        ctx.require_admin(
            f"os_compute_api:servers:{'detail' if detail else 'index'}:get_all_tenants"
        )
    max_limit = ctx.cloud.config.max_limit
    requested = int_param(q.get("limit"), "limit")
    limit = max_limit if requested is None else min(requested, max_limit)
    # tenants may not filter by host; Nova silently drops the option for them
    host = q.get("host") if ctx.admin else None
    if all_tenants:
        project = q.get("project_id") or q.get("tenant_id") or None
    else:
        project = ctx.caller.project_id
    cloud = ctx.cloud
    with cloud.session():
        found = cloud.list_instances(
            project_id=project,
            host=host,
            status=q.get("status"),
            name=q.get("name"),
            marker=q.get("marker"),
            limit=limit,
        )
        if detail:
            items = [views.server(cloud, i, ctx.version, ctx.links, admin=ctx.admin) for i in found]
        else:
            items = [views.server_brief(i, ctx.links) for i in found]
    body: dict[str, Any] = {"servers": items}
    if limit and len(items) == limit:
        body["servers_links"] = ctx.next_link(collection, items[-1]["id"])
    return json_response(body)


@compute_endpoint
async def index(ctx: Ctx) -> Response:
    """GET /servers"""
    return await _list(ctx, detail=False)


@compute_endpoint
async def detail(ctx: Ctx) -> Response:
    """GET /servers/detail"""
    return await _list(ctx, detail=True)


@compute_endpoint
async def show(ctx: Ctx) -> Response:
    """GET /servers/{id}"""
    sid = ctx.request.path_params["server_id"]
    await ctx.gate("servers.show", sid)
    with ctx.cloud.session():
        inst = _instance(ctx, sid)
        body = views.server(ctx.cloud, inst, ctx.version, ctx.links, admin=ctx.admin, show=True)
    return json_response({"server": body})


def _metadata_arg(value: Any, name: str) -> dict[str, str]:
    if not isinstance(value, dict):
        raise invalid(name, value, f"{value!r} is not of type 'object'")
    for key, item in value.items():
        if not 1 <= len(key) <= 255:
            raise invalid(
                name,
                value,
                f"{key!r} does not match any of the regexes: '^[a-zA-Z0-9-_:. ]{{1,255}}$'",
            )
        if not isinstance(item, str):
            raise invalid(key, item, f"{item!r} is not of type 'string'")
        if len(item) > 255:
            raise invalid(key, item, f"{item!r} is too long")
    return dict(value)


def _boot_volume(bdms: Any) -> tuple[bool, str | None, list[dict]]:
    """(volume-backed?, image id from the mapping, attached volumes)."""
    if bdms is None:
        return False, None, []
    if not isinstance(bdms, list):
        raise invalid("server/block_device_mapping_v2", bdms, "must be a list")
    volume_backed, image_id, volumes = False, None, []
    for bdm in bdms:
        if not isinstance(bdm, dict):
            raise invalid("server/block_device_mapping_v2", bdm, "must be an object")
        source = bdm.get("source_type")
        dest = bdm.get("destination_type", "volume" if source == "volume" else "local")
        boot = str(bdm.get("boot_index", "")) == "0"
        if source not in ("volume", "image", "snapshot", "blank"):
            raise errors.BadRequest(f"Invalid source_type field: {source}.")
        if dest == "volume":
            vid = bdm.get("uuid") if source == "volume" else str(uuidlib.uuid4())
            volumes.append(
                {
                    "id": vid or str(uuidlib.uuid4()),
                    "delete_on_termination": bool(bdm.get("delete_on_termination", False)),
                }
            )
            if boot:
                volume_backed = True
        elif boot and source == "image":
            image_id = bdm.get("uuid")
    return volume_backed, image_id, volumes


@compute_endpoint
async def create(ctx: Ctx) -> Response:
    """POST /servers"""
    await ctx.gate("servers.create")
    body = check_keys(
        await read_json(ctx.request),
        "body",
        {"server", "os:scheduler_hints", "OS-SCH-HNT:scheduler_hints"},
        {"server"},
    )
    spec = body["server"]
    if not isinstance(spec, dict):
        raise invalid("server", spec, "is not of type 'object'")
    for key in ("name", "flavorRef"):
        if key not in spec:
            raise invalid("server", spec, f"'{key}' is a required property")
    name = string_field(spec, "name", "server")
    if ctx.at_least(2, 37) and "networks" not in spec:
        raise invalid("server", spec, "'networks' is a required property")
    cloud = ctx.cloud
    metadata = _metadata_arg(spec.get("metadata", {}), "server/metadata")
    volume_backed, bdm_image, volumes = _boot_volume(spec.get("block_device_mapping_v2"))
    image_ref = spec.get("imageRef") or bdm_image
    forced_host = requested_host = None
    az = spec.get("availability_zone")
    if az is not None and (not isinstance(az, str) or not az):
        raise invalid("server/availability_zone", az, "must be a non-empty string")
    if az and ":" in az:
        az, _, forced_host = az.partition(":")
        ctx.require_admin("os_compute_api:servers:create:forced_host")
        forced_host = forced_host.split(":")[0] or None
        az = az or None
    if "host" in spec:
        if not ctx.at_least(2, 74):
            raise invalid(
                "server", spec, "Additional properties are not allowed ('host' was unexpected)"
            )
        ctx.require_admin("compute:servers:create:requested_destination")
        requested_host = string_field(spec, "host", "server")
    description = spec.get("description") if ctx.at_least(2, 19) else None
    with cloud.session():
        try:
            flavor = cloud.find_flavor(str(spec["flavorRef"]))
        except errors.NotFound as exc:
            raise errors.BadRequest(exc.message) from None
        image_id = None
        if not volume_backed:
            if not image_ref:
                raise errors.BadRequest(
                    "Block Device Mapping is Invalid: Boot sequence for "
                    "the instance and image/block device mapping "
                    "combination is not valid."
                )
            try:
                image_id = cloud.find_image(str(image_ref)).id
            except errors.NotFound:
                raise errors.BadRequest("Can not find requested image") from None
        if requested_host and requested_host not in cloud.hosts:
            raise errors.BadRequest(f"Compute host {requested_host} could not be found.")
        if az and not any(cloud.host_availability_zone(h) == az for h in cloud.hosts):
            raise errors.BadRequest("The requested availability zone is not available")
        if forced_host and forced_host not in cloud.hosts:
            forced_host, requested_host = None, forced_host  # ends in NoValidHost, like Nova
        inst = cloud.create_server(
            name=name or "",
            project_id=ctx.caller.project_id,
            user_id=ctx.caller.user_id,
            flavor=flavor,
            image_id=image_id,
            volumes=volumes,
            metadata=metadata,
            availability_zone=az,
            forced_host=forced_host,
            requested_host=requested_host,
            key_name=spec.get("key_name"),
            description=description,
        )
        ctx.server = inst.id
    reply = {
        "id": inst.id,
        "links": ctx.links.pair("servers", inst.id),
        "OS-DCF:diskConfig": "MANUAL",
        "security_groups": [{"name": "default"}],
        "adminPass": spec.get("adminPass") or secrets.token_urlsafe(9),
    }
    return json_response({"server": reply}, 202)


@compute_endpoint
async def delete(ctx: Ctx) -> Response:
    """DELETE /servers/{id}"""
    sid = ctx.request.path_params["server_id"]
    await ctx.gate("servers.delete", sid)
    with ctx.cloud.session():
        inst = _instance(ctx, sid)
        if inst.locked and not ctx.admin:
            raise errors.Conflict(f"Instance {sid} is locked")
        ctx.cloud.delete_server(inst)
    return json_response(None, 204)


# ------------------------------------------------------------------ metadata
def _check_metadata_writable(ctx: Ctx, inst: m.Instance, action: str) -> None:
    if inst.locked and not ctx.admin:
        raise errors.Conflict(f"Instance {inst.id} is locked")
    if inst.vm_state not in (m.ACTIVE, m.STOPPED) or inst.task_state is not None:
        attr, state = (
            ("vm_state", inst.vm_state)
            if inst.vm_state not in (m.ACTIVE, m.STOPPED)
            else ("task_state", inst.task_state)
        )
        raise errors.Conflict(f"Cannot '{action}' instance {inst.id} while it is in {attr} {state}")


@compute_endpoint
async def metadata_index(ctx: Ctx) -> Response:
    """GET /servers/{id}/metadata"""
    sid = ctx.request.path_params["server_id"]
    await ctx.gate("servers.metadata.index", sid)
    with ctx.cloud.session():
        return json_response({"metadata": dict(_instance(ctx, sid).metadata)})


async def _metadata_write(ctx: Ctx, replace: bool) -> Response:
    sid = ctx.request.path_params["server_id"]
    await ctx.gate("servers.metadata.update_all" if replace else "servers.metadata.create", sid)
    body = check_keys(await read_json(ctx.request), "body", {"metadata"}, {"metadata"})
    metadata = _metadata_arg(body["metadata"], "metadata")
    with ctx.cloud.session():
        inst = _instance(ctx, sid)
        _check_metadata_writable(ctx, inst, "update metadata")
        if replace:
            inst.metadata = metadata
        else:
            inst.metadata.update(metadata)
        inst.updated = ctx.cloud.now
        return json_response({"metadata": dict(inst.metadata)})


@compute_endpoint
async def metadata_update_all(ctx: Ctx) -> Response:
    """PUT /servers/{id}/metadata"""
    return await _metadata_write(ctx, replace=True)


@compute_endpoint
async def metadata_create(ctx: Ctx) -> Response:
    """POST /servers/{id}/metadata"""
    return await _metadata_write(ctx, replace=False)


@compute_endpoint
async def metadata_show(ctx: Ctx) -> Response:
    """GET /servers/{id}/metadata/{key}"""
    sid, key = ctx.request.path_params["server_id"], ctx.request.path_params["key"]
    await ctx.gate("servers.metadata.show", sid)
    with ctx.cloud.session():
        meta = _instance(ctx, sid).metadata
        if key not in meta:
            raise errors.NotFound("Metadata item was not found")
        return json_response({"meta": {key: meta[key]}})


@compute_endpoint
async def metadata_update(ctx: Ctx) -> Response:
    """PUT /servers/{id}/metadata/{key}"""
    sid, key = ctx.request.path_params["server_id"], ctx.request.path_params["key"]
    await ctx.gate("servers.metadata.update", sid)
    body = check_keys(await read_json(ctx.request), "body", {"meta"}, {"meta"})
    meta = _metadata_arg(body["meta"], "meta")
    if len(meta) != 1:
        raise invalid("meta", meta, "must hold exactly one item")
    if key not in meta:
        raise errors.BadRequest("Request body and URI mismatch")
    with ctx.cloud.session():
        inst = _instance(ctx, sid)
        _check_metadata_writable(ctx, inst, "update metadata")
        inst.metadata.update(meta)
        inst.updated = ctx.cloud.now
    return json_response({"meta": meta})


@compute_endpoint
async def metadata_delete(ctx: Ctx) -> Response:
    """DELETE /servers/{id}/metadata/{key}"""
    sid, key = ctx.request.path_params["server_id"], ctx.request.path_params["key"]
    await ctx.gate("servers.metadata.delete", sid)
    with ctx.cloud.session():
        inst = _instance(ctx, sid)
        if key not in inst.metadata:
            raise errors.NotFound("Metadata item was not found")
        _check_metadata_writable(ctx, inst, "delete metadata")
        del inst.metadata[key]
        inst.updated = ctx.cloud.now
    return json_response(None, 204)


# -------------------------------------------------------------------- actions
# Nova's schemas for os-stop and os-start take any value: the argument is ignored
def _stop(ctx: Ctx, inst: m.Instance, arg: Any) -> Response:
    ctx.cloud.stop_server(inst, ctx.admin)
    return json_response(None, 202)


def _start(ctx: Ctx, inst: m.Instance, arg: Any) -> Response:
    ctx.cloud.start_server(inst, ctx.admin)
    return json_response(None, 202)


def _reset_state(ctx: Ctx, inst: m.Instance, arg: Any) -> Response:
    ctx.require_admin("os_compute_api:os-admin-actions:reset_state")
    check_keys(arg, "os-resetState", {"state"}, {"state"})
    if arg["state"] not in ("active", "error"):
        state = arg["state"]
        raise invalid("state", state, f"{state!r} is not one of ['active', 'error']")
    ctx.cloud.reset_state(inst, arg["state"])
    return json_response(None, 202)


def _lock(ctx: Ctx, inst: m.Instance, arg: Any) -> Response:
    reason = None
    if ctx.at_least(2, 73):
        if arg is not None:
            check_keys(arg, "lock", {"locked_reason"})
            reason = string_field(arg, "locked_reason", "lock")
    ctx.cloud.lock_server(inst, ctx.admin, reason)
    return json_response(None, 202)


def _unlock(ctx: Ctx, inst: m.Instance, arg: Any) -> Response:
    if not ctx.admin and inst.locked_by == "admin":
        raise errors.policy_denied("os_compute_api:os-lock-server:unlock:unlock_override")
    ctx.cloud.unlock_server(inst)
    return json_response(None, 202)


def _evacuate(ctx: Ctx, inst: m.Instance, arg: Any) -> Response:
    ctx.require_admin("os_compute_api:os-evacuate")
    allowed = {"host", "adminPass"}
    required: set[str] = set()
    if not ctx.at_least(2, 14):
        allowed.add("onSharedStorage")
        required.add("onSharedStorage")
    if ctx.at_least(2, 29) and not ctx.at_least(2, 68):
        allowed.add("force")
    check_keys(arg, "evacuate", allowed, required)
    host = string_field(arg, "host")
    on_shared = None
    if not ctx.at_least(2, 14):
        on_shared = bool_param(arg["onSharedStorage"], "evacuate/onSharedStorage")
        if on_shared and "adminPass" in arg:
            raise errors.BadRequest("admin password can't be changed on existing disk")
    forced = bool(host) and not ctx.at_least(2, 29)
    if ctx.at_least(2, 29) and "force" in arg:
        forced = bool_param(arg["force"], "evacuate/force")
        if forced and not host:
            raise errors.BadRequest("Can't force to a non-provided destination")
    cloud = ctx.cloud
    if host is not None and host not in cloud.hosts:
        raise errors.NotFound(f"Compute host {host} not found.")
    if inst.host == host:
        raise errors.BadRequest("The target host can't be the same one.")
    target_state = m.STOPPED if ctx.at_least(2, 95) else None
    cloud.evacuate(
        inst, host=host, forced=forced, on_shared_storage=on_shared, target_state=target_state
    )
    if not ctx.at_least(2, 14):
        password = arg.get("adminPass") or (None if on_shared else secrets.token_urlsafe(9))
        return json_response({"adminPass": password})
    return json_response(None, 200)


_ACTIONS = {
    "os-stop": _stop,
    "os-start": _start,
    "os-resetState": _reset_state,
    "lock": _lock,
    "unlock": _unlock,
    "evacuate": _evacuate,
}


@compute_endpoint
async def action(ctx: Ctx) -> Response:
    """POST /servers/{id}/action"""
    sid = ctx.request.path_params["server_id"]
    body = await read_json(ctx.request)
    if not isinstance(body, dict) or len(body) != 1:
        raise errors.BadRequest("Malformed request body")
    name, arg = next(iter(body.items()))
    handler = _ACTIONS.get(name)
    if handler is None:
        raise errors.BadRequest(f"There is no such action: {name}")
    await ctx.gate(f"servers.action.{name}", sid)
    with ctx.cloud.session():
        inst = _instance(ctx, sid)
        return handler(ctx, inst, arg)


ROUTES = [
    Route("/servers", index, methods=["GET"]),
    Route("/servers", create, methods=["POST"]),
    Route("/servers/detail", detail, methods=["GET"]),
    Route("/servers/{server_id}", show, methods=["GET"]),
    Route("/servers/{server_id}", delete, methods=["DELETE"]),
    Route("/servers/{server_id}/action", action, methods=["POST"]),
    Route("/servers/{server_id}/metadata", metadata_index, methods=["GET"]),
    Route("/servers/{server_id}/metadata", metadata_update_all, methods=["PUT"]),
    Route("/servers/{server_id}/metadata", metadata_create, methods=["POST"]),
    Route("/servers/{server_id}/metadata/{key}", metadata_show, methods=["GET"]),
    Route("/servers/{server_id}/metadata/{key}", metadata_update, methods=["PUT"]),
    Route("/servers/{server_id}/metadata/{key}", metadata_delete, methods=["DELETE"]),
]
