"""Nova's operator APIs (services, aggregates, hypervisors, migrations) and catalogues."""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from masakari_lite.cloudsim import errors, microversion, views
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

UPDATED = "2013-07-23T11:33:21Z"


# ------------------------------------------------------------------ versions
def version_doc(root: str) -> dict[str, Any]:
    return {
        "id": "v2.1",
        "status": "CURRENT",
        "version": microversion.fmt(microversion.MAX_VERSION),
        "min_version": microversion.fmt(microversion.MIN_VERSION),
        "updated": UPDATED,
        "links": [
            {"rel": "self", "href": f"{root}v2.1/"},
            {"rel": "describedby", "type": "text/html", "href": "http://docs.openstack.org/"},
        ],
        "media-types": [
            {
                "base": "application/json",
                "type": "application/vnd.openstack.compute+json;version=2.1",
            }
        ],
    }


async def versions_root(request: Request) -> Response:
    """GET / : the Nova version list, as a real deployment serves it."""
    return json_response({"versions": [version_doc(str(request.base_url))]})


async def version_v21(request: Request) -> Response:
    """GET /v2.1 : the v2.1 version document keystoneauth discovers."""
    return json_response({"version": version_doc(str(request.base_url))})


# ------------------------------------------------------------------ services
@compute_endpoint
async def services_index(ctx: Ctx) -> Response:
    """GET /os-services"""
    await ctx.gate("os-services.index")
    ctx.require_admin("os_compute_api:os-services:list")
    q = ctx.request.query_params
    if ctx.at_least(2, 75):
        extra = sorted(set(q) - {"host", "binary"})
        if extra:
            raise errors.BadRequest(
                f"Invalid input for query parameters {extra[0]}. Value: {q[extra[0]]}. "
                "Additional properties are not allowed"
            )
    host, binary = q.get("host"), q.get("binary")
    cloud = ctx.cloud
    with cloud.session():
        if host and binary == "nova-compute" and host in cloud.hosts:
            found = [cloud.hosts[host].service]
        else:
            found = [
                s
                for s in cloud.services.values()
                if (not host or s.host == host) and (not binary or s.binary == binary)
            ]
        body = [views.service(cloud, s, ctx.version) for s in found]
    return json_response({"services": body})


@compute_endpoint
async def services_update(ctx: Ctx) -> Response:
    """PUT /os-services/{id}: by uuid from 2.53, by action name before."""
    sid = ctx.request.path_params["service_id"]
    await ctx.gate("os-services.update")
    body = await read_json(ctx.request)
    cloud = ctx.cloud
    if ctx.at_least(2, 53):
        # Nova validates the body against the 2.53 schema before it looks at the id
        check_keys(body, "body", {"status", "disabled_reason", "forced_down"})
        if not _uuid_like(sid):
            raise errors.BadRequest(f"Invalid uuid {sid}")
        ctx.require_admin("os_compute_api:os-services:update")
        status = body.get("status")
        if status is not None and status not in ("enabled", "disabled"):
            raise invalid("status", status, f"{status!r} is not one of ['enabled', 'disabled']")
        reason = string_field(body, "disabled_reason", "body")
        with cloud.session():
            svc = cloud.service_by_uuid(sid)
            if svc.binary != "nova-compute":
                cloud.update_service(svc)  # raises Nova's "only nova-compute" 400
            if status == "enabled" and reason:
                raise errors.BadRequest(
                    "Specifying 'disabled_reason' with status 'enabled' is invalid."
                )
            forced = None
            if "forced_down" in body:
                forced = bool_param(body["forced_down"], "forced_down")
            if status is None and forced is None:
                raise errors.BadRequest(
                    "No updates were requested. Fields 'status' or 'forced_down' "
                    "should be specified."
                )
            disabled = None if status is None else status == "disabled"
            cloud.update_service(svc, disabled=disabled, reason=reason, forced_down=forced)
            stall = disabled is not None and _compute_unreachable(cloud, svc)
            reply = {"service": views.service(cloud, svc, ctx.version)}
        if stall:
            await _rpc_timeout(cloud)
        return json_response(reply)
    ctx.require_admin("os_compute_api:os-services:update")
    actions = {"enable", "disable", "disable-log-reason"}
    if ctx.at_least(2, 11):
        actions.add("force-down")
    if sid not in actions:
        raise errors.NotFound("Unknown action")
    allowed = {"host", "binary", "disabled_reason"}
    if ctx.at_least(2, 11):
        allowed.add("forced_down")
    check_keys(body, "body", allowed, {"host", "binary"})
    host, binary = body["host"], body["binary"]
    stall = False
    with cloud.session():
        if binary != "nova-compute":
            raise errors.BadRequest(
                f"Updating a {binary} service is not supported. Only nova-compute services "
                "can be updated."
            )
        svc = cloud.service_by_host_binary(host, binary)
        reply: dict[str, Any] = {"host": host, "binary": binary}
        if sid == "force-down":
            if "forced_down" not in body:
                raise errors.BadRequest("Missing forced_down field")
            forced = bool_param(body["forced_down"], "forced_down")
            cloud.update_service(svc, forced_down=forced)
            reply["forced_down"] = forced
        elif sid == "enable":
            cloud.update_service(svc, disabled=False)
            reply["status"] = "enabled"
            stall = _compute_unreachable(cloud, svc)
        else:
            reason = string_field(body, "disabled_reason", "body")
            if sid == "disable-log-reason" and reason is None:
                raise errors.BadRequest("Missing disabled reason field")
            cloud.update_service(svc, disabled=True, reason=reason)
            reply["status"] = "disabled"
            if reason:
                reply["disabled_reason"] = reason
            stall = _compute_unreachable(cloud, svc)
    if stall:
        await _rpc_timeout(cloud)
    return json_response({"service": reply})


def _compute_unreachable(cloud, svc) -> bool:
    """Nova tells a compute it believes up about a status change by a blocking RPC
    call; a dead host that is not yet seen down never answers it."""
    host = cloud.service_host(svc)
    return host is not None and not host.alive and cloud.service_is_up(svc)


async def _rpc_timeout(cloud) -> None:
    await asyncio.sleep(cloud.config.rpc_response_timeout)


def _uuid_like(value: str) -> bool:
    import uuid

    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


# --------------------------------------------------------- flavors and images
@compute_endpoint
async def flavors_index(ctx: Ctx) -> Response:
    """GET /flavors"""
    await ctx.gate("flavors.index")
    with ctx.cloud.session():
        items = [views.flavor(f, ctx.version, ctx.links, False) for f in ctx.cloud.flavors.values()]
    return json_response({"flavors": items})


@compute_endpoint
async def flavors_detail(ctx: Ctx) -> Response:
    """GET /flavors/detail"""
    await ctx.gate("flavors.detail")
    with ctx.cloud.session():
        items = [views.flavor(f, ctx.version, ctx.links, True) for f in ctx.cloud.flavors.values()]
    return json_response({"flavors": items})


@compute_endpoint
async def flavors_show(ctx: Ctx) -> Response:
    """GET /flavors/{id}"""
    await ctx.gate("flavors.show")
    with ctx.cloud.session():
        flavor = ctx.cloud.flavors.get(ctx.request.path_params["flavor_id"])
        if flavor is None:
            raise errors.NotFound(
                f"Flavor {ctx.request.path_params['flavor_id']} could not be found."
            )
        return json_response({"flavor": views.flavor(flavor, ctx.version, ctx.links, True)})


def _images_gone(ctx: Ctx) -> None:
    # Nova's image proxy API exists only up to 2.35
    if ctx.at_least(2, 36):
        raise errors.NotFound("The resource could not be found.")


async def _images_list(ctx: Ctx, detail: bool) -> Response:
    _images_gone(ctx)
    await ctx.gate("images.detail" if detail else "images.index")
    with ctx.cloud.session():
        items = [views.image(ctx.cloud, i, ctx.links, detail) for i in ctx.cloud.images.values()]
    return json_response({"images": items})


@compute_endpoint
async def images_index(ctx: Ctx) -> Response:
    """GET /images (2.35 and earlier)"""
    return await _images_list(ctx, detail=False)


@compute_endpoint
async def images_detail(ctx: Ctx) -> Response:
    """GET /images/detail (2.35 and earlier)"""
    return await _images_list(ctx, detail=True)


@compute_endpoint
async def images_show(ctx: Ctx) -> Response:
    """GET /images/{id} (2.35 and earlier)"""
    _images_gone(ctx)
    await ctx.gate("images.show")
    with ctx.cloud.session():
        img = ctx.cloud.find_image(ctx.request.path_params["image_id"])
        return json_response({"image": views.image(ctx.cloud, img, ctx.links, True)})


# ---------------------------------------------------------------- aggregates
def _agg_id(ctx: Ctx) -> int:
    raw = ctx.request.path_params["aggregate_id"]
    try:
        return int(raw)
    except ValueError:
        raise errors.BadRequest("Invalid input received: id must be an integer") from None


@compute_endpoint
async def aggregates_index(ctx: Ctx) -> Response:
    """GET /os-aggregates"""
    await ctx.gate("os-aggregates.index")
    ctx.require_admin("os_compute_api:os-aggregates:index")
    with ctx.cloud.session():
        items = [views.aggregate(ctx.cloud, a, ctx.version) for a in ctx.cloud.aggregates.values()]
    return json_response({"aggregates": items})


@compute_endpoint
async def aggregates_create(ctx: Ctx) -> Response:
    """POST /os-aggregates"""
    await ctx.gate("os-aggregates.create")
    ctx.require_admin("os_compute_api:os-aggregates:create")
    body = check_keys(await read_json(ctx.request), "body", {"aggregate"}, {"aggregate"})
    spec = check_keys(body["aggregate"], "aggregate", {"name", "availability_zone"}, {"name"})
    name = string_field(spec, "name", "aggregate")
    az = spec.get("availability_zone")
    if az is not None:
        az = string_field(spec, "availability_zone", "aggregate")
    agg = ctx.cloud.create_aggregate(name or "", az)
    with ctx.cloud.session():
        body = views.aggregate(ctx.cloud, agg, ctx.version, created=True)
        return json_response({"aggregate": body})


@compute_endpoint
async def aggregates_show(ctx: Ctx) -> Response:
    """GET /os-aggregates/{id}"""
    await ctx.gate("os-aggregates.show")
    ctx.require_admin("os_compute_api:os-aggregates:show")
    with ctx.cloud.session():
        agg = ctx.cloud.get_aggregate(_agg_id(ctx))
        return json_response({"aggregate": views.aggregate(ctx.cloud, agg, ctx.version)})


@compute_endpoint
async def aggregates_update(ctx: Ctx) -> Response:
    """PUT /os-aggregates/{id}"""
    await ctx.gate("os-aggregates.update")
    ctx.require_admin("os_compute_api:os-aggregates:update")
    body = check_keys(await read_json(ctx.request), "body", {"aggregate"}, {"aggregate"})
    spec = check_keys(body["aggregate"], "aggregate", {"name", "availability_zone"})
    if not spec:
        raise invalid("aggregate", spec, "should be non-empty")
    agg = ctx.cloud.update_aggregate(
        _agg_id(ctx),
        string_field(spec, "name", "aggregate"),
        string_field(spec, "availability_zone", "aggregate"),
    )
    with ctx.cloud.session():
        return json_response({"aggregate": views.aggregate(ctx.cloud, agg, ctx.version)})


@compute_endpoint
async def aggregates_delete(ctx: Ctx) -> Response:
    """DELETE /os-aggregates/{id}"""
    await ctx.gate("os-aggregates.delete")
    ctx.require_admin("os_compute_api:os-aggregates:delete")
    ctx.cloud.delete_aggregate(_agg_id(ctx))
    return json_response(None, 200)


@compute_endpoint
async def aggregates_action(ctx: Ctx) -> Response:
    """POST /os-aggregates/{id}/action: add_host, remove_host, set_metadata"""
    body = await read_json(ctx.request)
    if not isinstance(body, dict) or len(body) != 1:
        raise errors.BadRequest("Malformed request body")
    name, arg = next(iter(body.items()))
    if name not in ("add_host", "remove_host", "set_metadata"):
        raise errors.BadRequest(f"There is no such action: {name}")
    await ctx.gate(f"os-aggregates.action.{name}")
    ctx.require_admin(f"os_compute_api:os-aggregates:{name}")
    agg_id = _agg_id(ctx)
    cloud = ctx.cloud
    if name == "set_metadata":
        check_keys(arg, name, {"metadata"}, {"metadata"})
        meta = arg["metadata"]
        if not isinstance(meta, dict) or not all(
            v is None or isinstance(v, str) for v in meta.values()
        ):
            raise invalid("set_metadata/metadata", meta, "must map keys to strings or null")
        agg = cloud.aggregate_set_metadata(agg_id, meta)
    else:
        check_keys(arg, name, {"host"}, {"host"})
        host = string_field(arg, "host", name) or ""
        if name == "add_host":
            agg = cloud.aggregate_add_host(agg_id, host)
        else:
            agg = cloud.aggregate_remove_host(agg_id, host)
    with cloud.session():
        return json_response({"aggregate": views.aggregate(cloud, agg, ctx.version)})


# --------------------------------------------------------------- hypervisors
def _hypervisors_matching(ctx: Ctx, pattern: str) -> list:
    found = [h for h in ctx.cloud.hosts.values() if pattern in h.name]
    if not found:
        raise errors.NotFound(f"No hypervisor matching '{pattern}' could be found.")
    return found


async def _hypervisors_list(ctx: Ctx, detail: bool) -> Response:
    await ctx.gate("os-hypervisors.detail" if detail else "os-hypervisors.index")
    ctx.require_admin(f"os_compute_api:os-hypervisors:{'list-detail' if detail else 'list'}")
    q = ctx.request.query_params
    cloud = ctx.cloud
    with_servers = False
    pattern = None
    if ctx.at_least(2, 53):
        if "with_servers" in q:
            with_servers = bool_param(q["with_servers"], "with_servers", query=True)
        pattern = q.get("hypervisor_hostname_pattern")
    with cloud.session():
        hosts = _hypervisors_matching(ctx, pattern) if pattern else list(cloud.hosts.values())
        limit = int_param(q.get("limit"), "limit") if ctx.at_least(2, 33) else None
        marker = q.get("marker") if ctx.at_least(2, 33) else None
        if marker is not None:
            key = "node_uuid" if ctx.at_least(2, 53) else "node_id"
            idx = next((i for i, h in enumerate(hosts) if str(getattr(h, key)) == marker), None)
            if idx is None:
                raise errors.BadRequest(f"marker [{marker}] not found")
            hosts = hosts[idx + 1 :]
        if limit is not None:
            hosts = hosts[:limit]
        items = [views.hypervisor(cloud, h, ctx.version, detail, with_servers) for h in hosts]
    body: dict[str, Any] = {"hypervisors": items}
    if limit and len(items) == limit:
        path = "os-hypervisors/detail" if detail else "os-hypervisors"
        body["hypervisors_links"] = ctx.next_link(path, str(items[-1]["id"]))
    return json_response(body)


@compute_endpoint
async def hypervisors_index(ctx: Ctx) -> Response:
    """GET /os-hypervisors"""
    return await _hypervisors_list(ctx, detail=False)


@compute_endpoint
async def hypervisors_detail(ctx: Ctx) -> Response:
    """GET /os-hypervisors/detail"""
    return await _hypervisors_list(ctx, detail=True)


@compute_endpoint
async def hypervisors_show(ctx: Ctx) -> Response:
    """GET /os-hypervisors/{id}"""
    await ctx.gate("os-hypervisors.show")
    ctx.require_admin("os_compute_api:os-hypervisors:show")
    hid = ctx.request.path_params["hypervisor_id"]
    q = ctx.request.query_params
    with_servers = ctx.at_least(2, 53) and bool_param(
        q.get("with_servers", "false"), "with_servers", query=True
    )
    with ctx.cloud.session():
        key = "node_uuid" if ctx.at_least(2, 53) else "node_id"
        host = next((h for h in ctx.cloud.hosts.values() if str(getattr(h, key)) == hid), None)
        if host is None:
            raise errors.NotFound(f"Hypervisor with ID {hid} could not be found.")
        body = views.hypervisor(ctx.cloud, host, ctx.version, True, with_servers)
    return json_response({"hypervisor": body})


@compute_endpoint
async def hypervisors_servers(ctx: Ctx) -> Response:
    """GET /os-hypervisors/{pattern}/servers (before 2.53)"""
    if ctx.at_least(2, 53):
        raise errors.NotFound("The resource could not be found.")
    await ctx.gate("os-hypervisors.servers")
    ctx.require_admin("os_compute_api:os-hypervisors:servers")
    pattern = ctx.request.path_params["hypervisor_id"]
    with ctx.cloud.session():
        items = []
        for host in _hypervisors_matching(ctx, pattern):
            item = views.hypervisor(ctx.cloud, host, ctx.version, False, True)
            item.setdefault("servers", [])
            items.append(item)
    return json_response({"hypervisors": items})


@compute_endpoint
async def hypervisors_search(ctx: Ctx) -> Response:
    """GET /os-hypervisors/{pattern}/search (before 2.53)"""
    if ctx.at_least(2, 53):
        raise errors.NotFound("The resource could not be found.")
    await ctx.gate("os-hypervisors.search")
    ctx.require_admin("os_compute_api:os-hypervisors:search")
    pattern = ctx.request.path_params["hypervisor_id"]
    with ctx.cloud.session():
        items = [
            views.hypervisor(ctx.cloud, h, ctx.version, False)
            for h in _hypervisors_matching(ctx, pattern)
        ]
    return json_response({"hypervisors": items})


# ---------------------------------------------------------------- migrations
@compute_endpoint
async def migrations_index(ctx: Ctx) -> Response:
    """GET /os-migrations"""
    await ctx.gate("os-migrations.index")
    ctx.require_admin("os_compute_api:os-migrations:index")
    q = ctx.request.query_params
    cloud = ctx.cloud
    with cloud.session():
        # ids come from a counter and records are never removed, so insertion
        # order is id order: newest first without sorting every record
        found = list(reversed(cloud.migrations.values()))
        for key in ("migration_type", "instance_uuid", "source_compute", "status"):
            if q.get(key):
                found = [mg for mg in found if getattr(mg, key) == q[key]]
        if q.get("host"):
            found = [mg for mg in found if q["host"] in (mg.source_compute, mg.dest_compute)]
        limit = None
        if ctx.at_least(2, 59):
            marker = q.get("marker")
            if marker is not None:
                idx = next((i for i, mg in enumerate(found) if mg.uuid == marker), None)
                if idx is None:
                    raise errors.NotFound(f"Marker {marker} could not be found.")
                found = found[idx + 1 :]
            limit = int_param(q.get("limit"), "limit")
            if limit is not None:
                found = found[:limit]
        items = [views.migration(cloud, mg, ctx.version) for mg in found]
    body: dict[str, Any] = {"migrations": items}
    if limit and len(items) == limit:
        body["migrations_links"] = ctx.next_link("os-migrations", items[-1]["uuid"])
    return json_response(body)


ROUTES = [
    Route("/os-services", services_index, methods=["GET"]),
    Route("/os-services/{service_id}", services_update, methods=["PUT"]),
    Route("/flavors", flavors_index, methods=["GET"]),
    Route("/flavors/detail", flavors_detail, methods=["GET"]),
    Route("/flavors/{flavor_id}", flavors_show, methods=["GET"]),
    Route("/images", images_index, methods=["GET"]),
    Route("/images/detail", images_detail, methods=["GET"]),
    Route("/images/{image_id}", images_show, methods=["GET"]),
    Route("/os-aggregates", aggregates_index, methods=["GET"]),
    Route("/os-aggregates", aggregates_create, methods=["POST"]),
    Route("/os-aggregates/{aggregate_id}", aggregates_show, methods=["GET"]),
    Route("/os-aggregates/{aggregate_id}", aggregates_update, methods=["PUT"]),
    Route("/os-aggregates/{aggregate_id}", aggregates_delete, methods=["DELETE"]),
    Route("/os-aggregates/{aggregate_id}/action", aggregates_action, methods=["POST"]),
    Route("/os-hypervisors", hypervisors_index, methods=["GET"]),
    Route("/os-hypervisors/detail", hypervisors_detail, methods=["GET"]),
    Route("/os-hypervisors/{hypervisor_id}", hypervisors_show, methods=["GET"]),
    Route("/os-hypervisors/{hypervisor_id}/servers", hypervisors_servers, methods=["GET"]),
    Route("/os-hypervisors/{hypervisor_id}/search", hypervisors_search, methods=["GET"]),
    Route("/os-migrations", migrations_index, methods=["GET"]),
]
