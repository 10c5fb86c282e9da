"""CloudSim: a cloud served over real HTTP from a background thread."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

import uvicorn

from masakari_lite.cloudsim import model as m
from masakari_lite.cloudsim.app import create_app
from masakari_lite.cloudsim.builder import build_cloud
from masakari_lite.cloudsim.cloud import Cloud


class CloudSim:
    """Serve a Cloud on ``host:port`` (port 0 picks a free one).

    ``start()`` returns once the port answers; ``url``, ``compute_url`` and
    ``identity_url`` are valid from then on. The ``cloud`` (alias ``sim``)
    can be read and changed in-process while the server runs.
    """

    def __init__(
        self, cloud: Cloud | None = None, host: str = "127.0.0.1", port: int = 0, **build: Any
    ):
        self.cloud = cloud if cloud is not None else build_cloud(**build)
        self.host = host
        self.port = port
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    # ---------------------------------------------------------------- serve
    def start(self, timeout: float = 10.0) -> CloudSim:
        config = uvicorn.Config(
            create_app(self.cloud),
            host=self.host,
            port=self.port,
            log_level="warning",
            lifespan="off",
            access_log=False,
        )
        server = uvicorn.Server(config)
        self._server = server
        self._thread = threading.Thread(target=self._serve, name="cloudsim", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"cloudsim did not start on {self.host}:{self.port}")
            time.sleep(0.01)
        self.port = server.servers[0].sockets[0].getsockname()[1]
        return self

    def _serve(self) -> None:
        assert self._server is not None
        asyncio.run(self._server.serve())

    def serve_forever(
        self, access_log: bool = True, on_bound: Callable[[int], None] | None = None
    ) -> None:
        """Run in the calling thread until interrupted (the CLI).

        The socket is bound here, before uvicorn runs, so that ``on_bound`` gets
        the real port even when port 0 asked the kernel to choose one.
        """
        sock = socket.create_server((self.host, self.port))
        self.port = sock.getsockname()[1]
        if on_bound is not None:
            on_bound(self.port)
        config = uvicorn.Config(
            create_app(self.cloud),
            host=self.host,
            port=self.port,
            log_level="info",
            lifespan="off",
            access_log=access_log,
        )
        uvicorn.Server(config).run(sockets=[sock])

    def stop(self, timeout: float = 10.0) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout)
        self._server = None
        self._thread = None

    def __enter__(self) -> CloudSim:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------ addresses
    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def compute_url(self) -> str:
        """What openstacksdk's compute_endpoint_override wants."""
        return f"{self.url}/v2.1"

    @property
    def identity_url(self) -> str:
        """Keystone v3 auth_url."""
        return f"{self.url}/identity/v3"

    @property
    def sim(self) -> Cloud:
        return self.cloud

    def sdk_config(self, *, password: bool = False, user: str = "admin") -> dict[str, Any]:
        """Keyword arguments for ``openstack.connect(**...)``."""
        if not password:
            return {"auth_type": "none", "compute_endpoint_override": self.compute_url}
        u = self.cloud.user_by_name(user)
        assert u is not None, f"no such user {user}"
        project = self.cloud.projects[u.project_id].name
        return {
            "auth_url": self.identity_url,
            "username": user,
            "password": u.password,
            "project_name": project,
            "user_domain_id": "default",
            "project_domain_id": "default",
            "region_name": "RegionOne",
        }

    # -------------------------------------------------- scenario shorthands
    def fail_host(self, name: str) -> None:
        self.cloud.fail_host(name)

    def recover_host(self, name: str, guests_survive: bool | None = None) -> None:
        self.cloud.recover_host(name, guests_survive)

    def crash_instance(self, server_id: str) -> None:
        self.cloud.crash_server(server_id)

    def add_fault(self, **rule: Any) -> None:
        with self.cloud.lock:
            self.cloud.faults.add(**rule)

    def clear_faults(self) -> None:
        with self.cloud.lock:
            self.cloud.faults.clear()

    def slow_evacuation(self, server_id: str, extra_seconds: float) -> None:
        """This server's rebuilds take extra_seconds longer than evacuation_time."""
        with self.cloud.session():
            self.cloud.get_instance(server_id)
            self.cloud.slow_evacuations[server_id] = extra_seconds

    def register_service(self, service_type: str, name: str, url: str) -> None:
        """Put another service (say the instance-ha API under test) in Keystone's catalog."""
        self.cloud.register_service(service_type, name, url)

    def configure(self, **values: Any) -> None:
        with self.cloud.session():
            self.cloud.config.update(values)

    def evacuations(self, server_id: str) -> int:
        """Evacuate requests Nova accepted for this server."""
        return self.cloud.accepted(server_id, "evacuate")

    def calls(self, server_id: str, action: str) -> int:
        return self.cloud.calls(server_id, action)

    def servers_on(self, host: str) -> list[str]:
        with self.cloud.session():
            return list(self.cloud.get_host(host).instances)

    def server(self, server_id: str) -> m.Instance:
        with self.cloud.session():
            return self.cloud.get_instance(server_id)

    def wait_for(self, predicate, timeout: float = 10.0, interval: float = 0.02) -> None:
        """Poll predicate() until true; the cloud is advanced to now before each try.

        The lock is not held while predicate runs, so it may also call the HTTP API.
        """
        deadline = time.monotonic() + timeout
        while True:
            self.cloud.advance()
            if predicate():
                return
            if time.monotonic() > deadline:
                raise TimeoutError("condition not met in time")
            time.sleep(interval)
