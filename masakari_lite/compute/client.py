"""NovaClient: openstacksdk behind a keystoneauth session from ``[nova]``.

INTERFACE CONTRACT (signatures are fixed): every method raises ComputeNotFound /
ComputeConflict / ComputeError / ComputeUnavailable (see errors.py), never an
openstacksdk or keystoneauth exception.

How it talks to Nova:

- One keystoneauth session and auth plugin per client, from ``[nova]`` (any
  plugin: ``password`` through Keystone, ``none`` + ``endpoint_override`` for the
  simulator). The plugin caches its token until it nears expiry or
  ``token_cache_seconds`` pass; upstream Masakari authenticated on every call.
  Use :func:`get_client` so the whole process shares one client.
- Requests go through openstacksdk's compute proxy (a keystoneauth adapter that
  knows the endpoint, interface, region and retries) with Nova's documented JSON
  bodies, each at one microversion: ``[nova] api_microversion`` lowered to the
  server's maximum, negotiated once on first use.
- Evacuation at microversion >= 2.95 leaves the rebuilt server SHUTOFF (Nova
  2023.1 semantics); this client only issues the call. A caller that wants the
  server running again starts it once the evacuation is done.
- Connections are pooled (keep-alive, up to ``POOL_SIZE`` per host) so the
  engine's concurrent evacuations do not open a TCP connection per call.
"""

from __future__ import annotations

import threading
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from keystoneauth1 import exceptions as ks_exc
from keystoneauth1 import loading as ks_loading
from keystoneauth1 import session as ks_session
from keystoneauth1.loading import adapter as ks_adapter_loading
from openstack import connection as sdk_connection
from openstack import exceptions as sdk_exc
from oslo_config import cfg

from masakari_lite.compute.errors import (
    ComputeConflict,
    ComputeError,
    ComputeNotFound,
    ComputeUnavailable,
)
from masakari_lite.compute.types import Aggregate, Migration, Server, Service

# openstacksdk 4.x warns about its own internal call on every new URL it sees.
warnings.filterwarnings("ignore", message="The 'service_type' parameter is unnecesary")

COMPUTE_BINARY = "nova-compute"
# keystoneauth waits forever by default. Nova itself may hold a request for its
# rpc_response_timeout (60 s by default), e.g. when disabling a compute service
# that died but is not yet seen down: wait longer than that before giving up.
DEFAULT_TIMEOUT = 90.0
POOL_SIZE = 64

# Microversions whose request or response shapes this client depends on.
MV_FORCE_DOWN = (2, 11)
MV_NO_SHARED_STORAGE_FLAG = (2, 14)
MV_SERVICE_UUID = (2, 53)
MV_MIGRATION_PAGING = (2, 59)
MV_LOCK_REASON = (2, 73)


def _parse_mv(value: str) -> tuple[int, int]:
    major, _, minor = value.strip().partition(".")
    return int(major), int(minor or 0)


def _format_mv(mv: tuple[int, int]) -> str:
    return f"{mv[0]}.{mv[1]}"


class NovaClient:
    #: servers per page when listing a host; Nova caps it at its osapi_max_limit (1000).
    page_size: int = 1000

    def __init__(self, conf: cfg.ConfigOpts, group: str = "nova"):
        self._conf = conf
        self._group = group
        grp = conf[group]
        self._wanted_mv = _parse_mv(grp.api_microversion)
        self._token_ttl = grp.token_cache_seconds
        self._lock = threading.Lock()
        self._proxy = None
        self._mv: tuple[int, int] | None = None
        self._token_epoch = time.monotonic()
        with _translated("load [nova] auth options"):
            self._auth = ks_loading.load_auth_from_conf_options(conf, group)
            self._session = ks_loading.load_session_from_conf_options(conf, group, auth=self._auth)
            self._adapter_kwargs: dict[str, Any] = {}
            ks_adapter_loading.process_conf_options(grp, self._adapter_kwargs)
        if self._session.timeout is None:
            self._session.timeout = DEFAULT_TIMEOUT
        pool = ks_session.TCPKeepAliveAdapter(pool_connections=4, pool_maxsize=POOL_SIZE)
        self._session.session.mount("http://", pool)
        self._session.session.mount("https://", pool)

    # --- plumbing

    def _compute(self):
        """The sdk compute proxy, built and version-negotiated on first use."""
        if self._proxy is not None:
            return self._proxy
        with self._lock:
            if self._proxy is None:
                kw = self._adapter_kwargs
                config = {
                    "compute_api_version": "2",
                    "interface": kw.get("interface") or "public",
                }
                for ours, sdk_key in (
                    ("endpoint_override", "compute_endpoint_override"),
                    ("service_name", "compute_service_name"),
                    ("connect_retries", "compute_connect_retries"),
                    ("status_code_retries", "compute_status_code_retries"),
                ):
                    if kw.get(ours) is not None:
                        config[sdk_key] = kw[ours]
                if kw.get("service_type"):
                    config["compute_service_type"] = kw["service_type"]
                with _translated("connect to Nova"):
                    conn = sdk_connection.Connection(
                        session=self._session,
                        region_name=kw.get("region_name"),
                        app_name="masakari-lite",
                        **config,
                    )
                    proxy = conn.compute
                    data = proxy.get_endpoint_data()
                if data is None:
                    raise ComputeUnavailable("Nova's version document could not be read")
                server_max = data.max_microversion
                if server_max is None:
                    mv = (2, 1)  # a Nova without microversions speaks 2.1
                else:
                    mv = min(self._wanted_mv, (server_max[0], server_max[1]))
                self._mv = mv
                self._proxy = proxy
        return self._proxy

    def _request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict | None = None,
        mv: tuple[int, int] | None = None,
    ) -> Any:
        proxy = self._compute()
        self._maybe_refresh_token()
        microversion = _format_mv(mv or self._mv)
        what = f"{method} {path}"
        with _translated(what):
            resp = proxy.request(
                path,
                method,
                json=json,
                params=params,
                microversion=microversion,
                headers={"Accept": "application/json"},
            )
        if resp.status_code >= 400:
            raise _error_for(resp.status_code, what, _nova_message(resp))
        if not resp.content:
            return None
        try:
            return resp.json()
        except ValueError:
            return None

    def _maybe_refresh_token(self) -> None:
        # keystoneauth reuses a token until it nears expiry; this bounds how long
        # a token (and roles granted in it) lives even if Keystone issues long ones.
        if self._auth is None:
            return
        now = time.monotonic()
        if now - self._token_epoch >= self._token_ttl:
            self._token_epoch = now
            self._auth.invalidate()

    def _at_least(self, mv: tuple[int, int]) -> bool:
        self._compute()
        return self._mv >= mv

    # --- services

    def find_compute_service(self, host: str) -> Service | None:
        """The nova-compute service of ``host``, or None if Nova has none by that name."""
        body = self._request("GET", "/os-services", params={"binary": COMPUTE_BINARY, "host": host})
        for s in body.get("services", []):
            if s.get("host") == host and s.get("binary") == COMPUTE_BINARY:
                return _service(s)
        return None

    def compute_host_names(self) -> set[str]:
        """The hosts of every nova-compute service, in one call."""
        body = self._request("GET", "/os-services", params={"binary": COMPUTE_BINARY})
        return {
            s["host"]
            for s in body.get("services", [])
            if s.get("binary") == COMPUTE_BINARY and s.get("host")
        }

    def get_service(self, host: str) -> Service:
        """Like find_compute_service, but a missing service is ComputeNotFound."""
        svc = self.find_compute_service(host)
        if svc is None:
            raise ComputeNotFound(f"Nova has no {COMPUTE_BINARY} service on host {host!r}")
        return svc

    def disable_service(self, host: str, reason: str, *, service: Service | None = None) -> Service:
        """``service``: the host's service as just read, to spare reading it again."""
        svc = service or self.get_service(host)
        if self._at_least(MV_SERVICE_UUID):
            return self._update_service(svc, {"status": "disabled", "disabled_reason": reason})
        self._request(
            "PUT",
            "/os-services/disable-log-reason",
            json={"host": host, "binary": COMPUTE_BINARY, "disabled_reason": reason},
        )
        return self.get_service(host)

    def enable_service(self, host: str) -> Service:
        svc = self.get_service(host)
        if self._at_least(MV_SERVICE_UUID):
            return self._update_service(svc, {"status": "enabled"})
        self._request("PUT", "/os-services/enable", json={"host": host, "binary": COMPUTE_BINARY})
        return self.get_service(host)

    def force_down_service(
        self, host: str, forced_down: bool = True, *, service: Service | None = None
    ) -> Service:
        """``service``: the host's service as just read, to spare reading it again."""
        svc = service or self.get_service(host)
        if self._at_least(MV_SERVICE_UUID):
            return self._update_service(svc, {"forced_down": forced_down})
        if not self._at_least(MV_FORCE_DOWN):
            raise ComputeError(
                f"forcing a service down needs compute API 2.11; using {self.max_microversion()}",
                status_code=400,
            )
        self._request(
            "PUT",
            "/os-services/force-down",
            json={"host": host, "binary": COMPUTE_BINARY, "forced_down": forced_down},
        )
        return self.get_service(host)

    def _update_service(self, svc: Service, body: dict) -> Service:
        resp = self._request("PUT", f"/os-services/{svc.id}", json=body)
        return _service(resp["service"])

    # --- servers

    def get_server(self, server_id: str) -> Server:
        return _server(self._request("GET", f"/servers/{server_id}")["server"])

    def list_servers_on_host(self, host: str) -> list[Server]:
        """Every server on ``host``, all tenants, all pages."""
        params: dict[str, Any] = {"host": host, "all_tenants": "True", "limit": self.page_size}
        return [_server(s) for s in self._pages("/servers/detail", "servers", "id", params)]

    def stop_server(self, server_id: str) -> None:
        self._action(server_id, {"os-stop": None})

    def start_server(self, server_id: str) -> None:
        self._action(server_id, {"os-start": None})

    def reset_server_state(self, server_id: str, state: str) -> None:
        """state: 'active' or 'error'."""
        self._action(server_id, {"os-resetState": {"state": state}})

    def lock_server(self, server_id: str, reason: str | None = None) -> None:
        if reason is not None and self._at_least(MV_LOCK_REASON):
            self._action(server_id, {"lock": {"locked_reason": reason}})
        else:
            self._action(server_id, {"lock": None})

    def unlock_server(self, server_id: str) -> None:
        self._action(server_id, {"unlock": None})

    def evacuate_server(self, server_id: str, target_host: str | None = None) -> None:
        """Ask Nova to rebuild the server elsewhere; returns once Nova accepted it.

        Nova refuses (400) while the source compute service is up and not forced
        down. Without ``target_host`` the scheduler picks the destination; with
        it, the scheduler still validates it (``force`` is never sent). At
        microversion >= 2.95 the evacuated server ends SHUTOFF. Below 2.14 Nova
        needs ``onSharedStorage``; we send False (the instance is rebuilt from its
        image or volume), which is what a deployment without shared storage needs.
        """
        body: dict[str, Any] = {}
        if target_host is not None:
            body["host"] = target_host
        if not self._at_least(MV_NO_SHARED_STORAGE_FLAG):
            body["onSharedStorage"] = False
        self._action(server_id, {"evacuate": body})

    def _action(self, server_id: str, body: dict) -> None:
        self._request("POST", f"/servers/{server_id}/action", json=body)

    # --- migrations

    def list_migrations(
        self,
        *,
        source_compute: str | None = None,
        instance_id: str | None = None,
        migration_type: str | None = "evacuation",
    ) -> list[Migration]:
        """Migration records (evacuations by default), newest first, all pages."""
        params: dict[str, Any] = {}
        if source_compute is not None:
            params["source_compute"] = source_compute
        if instance_id is not None:
            params["instance_uuid"] = instance_id
        if migration_type is not None:
            params["migration_type"] = migration_type
        paged = self._at_least(MV_MIGRATION_PAGING)
        if paged:
            params["limit"] = self.page_size
        rows = self._pages("/os-migrations", "migrations", "uuid", params, paged=paged)
        return [_migration(m) for m in rows]

    def _pages(
        self, path: str, key: str, marker: str, params: dict[str, Any], paged: bool = True
    ) -> list[dict]:
        """Every row of a listing, following its ``{key}_links`` next pages by ``marker``."""
        rows: list[dict] = []
        while True:
            body = self._request("GET", path, params=params)
            page = body.get(key, [])
            rows.extend(page)
            more = any(link.get("rel") == "next" for link in body.get(f"{key}_links", []))
            if not paged or not page or not more:
                return rows
            params["marker"] = page[-1][marker]

    # --- aggregates

    def list_aggregates(self) -> list[Aggregate]:
        return [_aggregate(a) for a in self._request("GET", "/os-aggregates")["aggregates"]]

    def add_host_to_aggregate(self, aggregate_id: str, host: str) -> None:
        self._request(
            "POST", f"/os-aggregates/{aggregate_id}/action", json={"add_host": {"host": host}}
        )

    def remove_host_from_aggregate(self, aggregate_id: str, host: str) -> None:
        self._request(
            "POST", f"/os-aggregates/{aggregate_id}/action", json={"remove_host": {"host": host}}
        )

    # --- version

    def max_microversion(self) -> str:
        """The microversion in use: min(configured, server max)."""
        self._compute()
        return _format_mv(self._mv)


# --- one client per process


# Keyed by id() because a ConfigOpts is unhashable. Each entry keeps its conf
# alive, so no other object can take that id while the entry exists.
_clients: dict[tuple[int, str], tuple[cfg.ConfigOpts, NovaClient]] = {}
_clients_lock = threading.Lock()


def get_client(conf: cfg.ConfigOpts, group: str = "nova") -> NovaClient:
    """The process-wide client for ``conf``/``group``, so its token and connections are reused."""
    key = (id(conf), group)
    entry = _clients.get(key)
    if entry is None:
        with _clients_lock:
            entry = _clients.get(key)
            if entry is None:
                entry = _clients[key] = (conf, NovaClient(conf, group))
    return entry[1]


def reset_clients() -> None:
    """Forget cached clients (after the configuration changed)."""
    with _clients_lock:
        _clients.clear()


# --- translation of Nova's answers


def _service(d: dict) -> Service:
    return Service(
        id=str(d["id"]),
        host=d["host"],
        binary=d["binary"],
        status=d["status"],
        state=d["state"],
        forced_down=bool(d.get("forced_down", False)),
        disabled_reason=d.get("disabled_reason"),
    )


def _server(d: dict) -> Server:
    image = d.get("image")
    # A volume-backed server has "" (or {} from some proxies) instead of an image.
    image_id = image.get("id") if isinstance(image, dict) and image.get("id") else None
    volumes = tuple(v["id"] for v in d.get("os-extended-volumes:volumes_attached") or ())
    return Server(
        id=d["id"],
        name=d.get("name", ""),
        host=d.get("OS-EXT-SRV-ATTR:host"),
        status=d.get("status", ""),
        vm_state=d.get("OS-EXT-STS:vm_state"),
        task_state=d.get("OS-EXT-STS:task_state"),
        power_state=d.get("OS-EXT-STS:power_state"),
        locked=bool(d.get("locked", False)),
        metadata=dict(d.get("metadata") or {}),
        image_id=image_id,
        volumes=volumes,
        flavor=dict(d.get("flavor") or {}),
    )


def _aggregate(d: dict) -> Aggregate:
    return Aggregate(
        id=str(d["id"]),
        name=d["name"],
        hosts=tuple(d.get("hosts") or ()),
        metadata=dict(d.get("metadata") or {}),
    )


def _migration(d: dict) -> Migration:
    return Migration(
        id=str(d["id"]),
        instance_id=d["instance_uuid"],
        source_compute=d.get("source_compute"),
        dest_compute=d.get("dest_compute"),
        status=d["status"],
        migration_type=d.get("migration_type"),
    )


def _nova_message(resp) -> str:
    """Nova's fault message ({"badRequest": {"message": ...}}), else the raw text."""
    try:
        body = resp.json()
    except ValueError:
        return (resp.text or resp.reason or "").strip()[:500]
    if isinstance(body, dict):
        for fault in body.values():
            if isinstance(fault, dict) and "message" in fault:
                return str(fault["message"])
    return str(body)[:500]


def _error_for(status: int, what: str, message: str) -> ComputeError:
    text = f"Nova {what} -> {status}: {message}"
    if status == 404:
        return ComputeNotFound(text)
    if status == 409:
        return ComputeConflict(text)
    if status >= 500 or status in (408, 429):
        return ComputeUnavailable(text, status_code=status)
    return ComputeError(text, status_code=status)


@contextmanager
def _translated(what: str) -> Iterator[None]:
    """Turn keystoneauth and openstacksdk exceptions into compute errors."""
    try:
        yield
    except ComputeError:
        raise
    except ks_exc.HttpError as e:  # e.g. Keystone refusing the credentials
        raise _error_for(e.http_status or 500, what, str(e)) from e
    except (ks_exc.ConnectionError, ks_exc.DiscoveryFailure) as e:
        raise ComputeUnavailable(f"Nova {what}: {e}") from e
    except ks_exc.ClientException as e:  # missing options, no compute endpoint in the catalog
        raise ComputeError(f"Nova {what}: {e}") from e
    except sdk_exc.HttpException as e:
        raise _error_for(e.status_code or 500, what, str(e)) from e
    except sdk_exc.SDKException as e:
        raise ComputeError(f"Nova {what}: {e}") from e
