"""The /_sim control API: inspect the cloud, inject failures, read the counters."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from masakari_lite.cloudsim import errors
from masakari_lite.cloudsim import model as m
from masakari_lite.cloudsim.cloud import Cloud
from masakari_lite.cloudsim.http import error_response, json_response, read_json


def host_state(cloud: Cloud, host: m.Host) -> dict[str, Any]:
    svc = host.service
    return {
        "name": host.name,
        "alive": host.alive,
        "service_id": svc.uuid,
        "service_state": "up" if cloud.service_is_up(svc) else "down",
        "service_status": "disabled" if svc.disabled else "enabled",
        "disabled_reason": svc.disabled_reason,
        "forced_down": svc.forced_down,
        "availability_zone": cloud.host_availability_zone(host.name),
        "vcpus": host.vcpus,
        "vcpus_used": host.vcpus_used,
        "ram_mb": host.ram_mb,
        "ram_used": host.ram_used,
        "instances": len(host.instances),
        # guests the hypervisor still defines (evacuated ones linger until recovery)
        "driver_instances": sorted(host.guests),
    }


def server_state(cloud: Cloud, inst: m.Instance) -> dict[str, Any]:
    return {
        "id": inst.id,
        "name": inst.name,
        "host": inst.host,
        "project_id": inst.project_id,
        "status": m.status_of(inst.vm_state, inst.task_state),
        "vm_state": inst.vm_state,
        "task_state": inst.task_state,
        "power_state": inst.power_state,
        "locked": inst.locked,
        "metadata": dict(inst.metadata),
        "calls": dict(cloud.server_calls.get(inst.id, {})),
        "accepted": dict(cloud.server_accepted.get(inst.id, {})),
    }


def state(cloud: Cloud, with_servers: bool = False) -> dict[str, Any]:
    body: dict[str, Any] = {
        "config": cloud.config.to_dict(),
        "hosts": [host_state(cloud, h) for h in cloud.hosts.values()],
        "instances": len(cloud.instances),
        "evacuations": {
            "running": cloud.evacuations_running,
            "queued": cloud.evacuations_queued,
        },
        "projects": {p.name: p.id for p in cloud.projects.values()},
        "users": [
            {"name": u.name, "roles": u.roles, "project_id": u.project_id}
            for u in cloud.users.values()
        ],
        "images": [{"id": i.id, "name": i.name} for i in cloud.images.values()],
        "flavors": [{"id": f.id, "name": f.name} for f in cloud.flavors.values()],
    }
    if with_servers:
        body["servers"] = [server_state(cloud, i) for i in cloud.instances.values()]
    return body


Handler = Callable[[Cloud, Request], Awaitable[Any]]


def _control(fn: Handler) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        cloud: Cloud = request.app.state.cloud
        try:
            result = await fn(cloud, request)
        except errors.SimError as exc:
            return error_response(exc)
        except ValueError as exc:
            return error_response(errors.BadRequest(str(exc)))
        if isinstance(result, Response):
            return result
        return json_response(result)

    return endpoint


async def _body(request: Request) -> dict[str, Any]:
    body = await read_json(request, required=False)
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise errors.BadRequest("The body must be a JSON object.")
    return body


@_control
async def get_state(cloud: Cloud, request: Request) -> Any:
    with cloud.session():
        return state(cloud, request.query_params.get("servers") in ("1", "true", "True"))


@_control
async def add_host(cloud: Cloud, request: Request) -> Any:
    body = await _body(request)
    if "name" not in body:
        raise errors.BadRequest("'name' is required")
    kwargs = {k: int(body[k]) for k in ("vcpus", "ram_mb", "disk_gb") if k in body}
    host = cloud.add_host(str(body["name"]), **kwargs)
    with cloud.session():
        return host_state(cloud, host)


@_control
async def get_host(cloud: Cloud, request: Request) -> Any:
    with cloud.session():
        return host_state(cloud, cloud.get_host(request.path_params["name"]))


@_control
async def fail_host(cloud: Cloud, request: Request) -> Any:
    cloud.fail_host(request.path_params["name"])
    with cloud.session():
        return host_state(cloud, cloud.get_host(request.path_params["name"]))


@_control
async def recover_host(cloud: Cloud, request: Request) -> Any:
    body = await _body(request)
    survive = body.get("guests_survive")
    if survive is not None and not isinstance(survive, bool):
        raise errors.BadRequest("guests_survive must be a boolean")
    cloud.recover_host(request.path_params["name"], survive)
    with cloud.session():
        return host_state(cloud, cloud.get_host(request.path_params["name"]))


@_control
async def add_server(cloud: Cloud, request: Request) -> Any:
    body = await _body(request)
    if "host" not in body:
        raise errors.BadRequest("'host' is required")
    allowed = {"host", "name", "project_id", "flavor", "metadata", "vm_state", "volume_backed"}
    extra = set(body) - allowed
    if extra:
        raise errors.BadRequest(f"unknown field(s): {', '.join(sorted(extra))}")
    metadata = body.get("metadata") or {}
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        raise errors.BadRequest("metadata must map strings to strings")
    inst = cloud.add_server(
        str(body["host"]),
        name=body.get("name"),
        project_id=body.get("project_id"),
        flavor=str(body.get("flavor", "2")),
        metadata=metadata,
        vm_state=str(body.get("vm_state", m.ACTIVE)),
        volume_backed=bool(body.get("volume_backed", False)),
    )
    with cloud.session():
        return server_state(cloud, inst)


@_control
async def get_server(cloud: Cloud, request: Request) -> Any:
    with cloud.session():
        return server_state(cloud, cloud.get_instance(request.path_params["server_id"]))


@_control
async def crash_server(cloud: Cloud, request: Request) -> Any:
    cloud.crash_server(request.path_params["server_id"])
    with cloud.session():
        return server_state(cloud, cloud.get_instance(request.path_params["server_id"]))


@_control
async def slow_evacuation(cloud: Cloud, request: Request) -> Any:
    body = await _body(request)
    extra = float(body.get("extra_seconds", 0))
    with cloud.session():
        cloud.get_instance(request.path_params["server_id"])
        cloud.slow_evacuations[request.path_params["server_id"]] = extra
    return {"extra_seconds": extra}


@_control
async def get_catalog(cloud: Cloud, request: Request) -> Any:
    with cloud.lock:
        services = cloud.catalog_services.items()
        return {"services": [{"type": t, "name": n, "url": u} for t, (n, u) in services]}


@_control
async def register_service(cloud: Cloud, request: Request) -> Any:
    body = await _body(request)
    cloud.register_service(body.get("type"), body.get("name"), body.get("url"))
    return json_response({k: body[k] for k in ("type", "name", "url")}, 201)


@_control
async def get_faults(cloud: Cloud, request: Request) -> Any:
    with cloud.lock:
        return {"faults": [r.to_dict() for r in cloud.faults.rules]}


@_control
async def add_fault(cloud: Cloud, request: Request) -> Any:
    body = await _body(request)
    with cloud.lock:
        rule = cloud.faults.add(**body)
        return rule.to_dict()


@_control
async def clear_faults(cloud: Cloud, request: Request) -> Any:
    with cloud.lock:
        cloud.faults.clear()
    return Response(status_code=204)


@_control
async def get_config(cloud: Cloud, request: Request) -> Any:
    return cloud.config.to_dict()


@_control
async def set_config(cloud: Cloud, request: Request) -> Any:
    body = await _body(request)
    with cloud.session():
        cloud.config.update(body)
        return cloud.config.to_dict()


@_control
async def counters(cloud: Cloud, request: Request) -> Any:
    with cloud.lock:
        return {
            "ops": dict(cloud.op_calls),
            "servers": {
                sid: {"calls": dict(c), "accepted": dict(cloud.server_accepted.get(sid, {}))}
                for sid, c in cloud.server_calls.items()
            },
        }


@_control
async def reset(cloud: Cloud, request: Request) -> Any:
    with cloud.lock:
        cloud.reset_counters()
        cloud.faults.clear()
        cloud.slow_evacuations.clear()
    return Response(status_code=204)


ROUTES = [
    Route("/_sim/state", get_state, methods=["GET"]),
    Route("/_sim/hosts", add_host, methods=["POST"]),
    Route("/_sim/hosts/{name}", get_host, methods=["GET"]),
    Route("/_sim/hosts/{name}/fail", fail_host, methods=["POST"]),
    Route("/_sim/hosts/{name}/recover", recover_host, methods=["POST"]),
    Route("/_sim/servers", add_server, methods=["POST"]),
    Route("/_sim/servers/{server_id}", get_server, methods=["GET"]),
    Route("/_sim/servers/{server_id}/crash", crash_server, methods=["POST"]),
    Route("/_sim/servers/{server_id}/slow_evacuation", slow_evacuation, methods=["POST"]),
    Route("/_sim/catalog", get_catalog, methods=["GET"]),
    Route("/_sim/catalog", register_service, methods=["POST"]),
    Route("/_sim/faults", get_faults, methods=["GET"]),
    Route("/_sim/faults", add_fault, methods=["POST"]),
    Route("/_sim/faults", clear_faults, methods=["DELETE"]),
    Route("/_sim/config", get_config, methods=["GET"]),
    Route("/_sim/config", set_config, methods=["PUT", "PATCH"]),
    Route("/_sim/counters", counters, methods=["GET"]),
    Route("/_sim/reset", reset, methods=["POST"]),
]
