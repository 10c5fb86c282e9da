"""One contract, two Nova backends: the simulator (cloudsim) and a real Nova 34.0.0.

Every test here talks to Nova only through masakari_lite.compute.NovaClient (what
the engine uses) and runs once per backend via the ``nova_backend`` fixture. The
backends differ only in how a test fails or adds a host; what Nova answers must
be the same. Where cloudsim and real Nova disagree, cloudsim is wrong: see
/work/notes/cloudsim-diffs.md.

Servers are booted with openstacksdk's compute proxy (admin, ``host`` at 2.74),
not through NovaClient, which has no create: the engine never boots servers.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

import openstack.connection
import pytest
from keystoneauth1 import noauth, token_endpoint
from keystoneauth1 import session as ks_session
from oslo_config import cfg

from masakari_lite.compute.client import NovaClient
from masakari_lite.conf import nova as nova_conf

ADMIN_TOKEN_PROJECT = "contract-other-project"


def wait_for(
    predicate: Callable[[], Any],
    timeout: float,
    what: str,
    interval: float = 0.2,
    show: Callable[[], Any] | None = None,
):
    """Poll ``predicate`` until it returns something truthy; fail after ``timeout`` s
    (with ``show()`` in the message, to see what state things were stuck in)."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while True:
        last = predicate()
        if last:
            return last
        if time.monotonic() > deadline:
            seen = f"; last seen: {show()!r}" if show else ""
            pytest.fail(f"timed out after {timeout} s waiting for {what}{seen}")
        time.sleep(interval)


def make_conf(compute_url: str, **overrides: Any) -> cfg.ConfigOpts:
    """A [nova] group as an operator would write it for a simulator: auth_type none."""
    conf = cfg.ConfigOpts()
    nova_conf.register_opts(conf)
    conf([], project="masakari-lite-contract")
    conf.set_override("auth_type", "none", "nova")
    conf.set_override("endpoint_override", compute_url, "nova")
    for name, value in overrides.items():
        conf.set_override(name, value, "nova")
    return conf


class Backend:
    """What a contract test needs from a backend beyond the Nova API."""

    name: str
    compute_url: str
    # Upper bound for slow transitions (build, evacuation) on this backend.
    settle_timeout: float = 60.0

    def new_host(self) -> str:
        """A fresh, up and enabled compute host that only this test uses."""
        raise NotImplementedError

    def fail_host(self, host: str) -> None:
        """The host dies: its compute service stops reporting; Nova says ``down``
        after service_down_time unless forced down."""
        raise NotImplementedError

    def recover_host(self, host: str) -> None:
        raise NotImplementedError

    # --- shared by both: plain Nova API calls through openstacksdk

    def client(self, **overrides: Any) -> NovaClient:
        return NovaClient(make_conf(self.compute_url, **overrides))

    def sdk(self, token_project: str | None = None):
        """openstacksdk compute proxy as admin (token ``admin:<project>`` picks the project)."""
        key = token_project or ""
        conns = self.__dict__.setdefault("_sdk", {})
        if key not in conns:
            if token_project:
                auth = token_endpoint.Token(self.compute_url, f"admin:{token_project}")
            else:
                auth = noauth.NoAuth()
            conn = openstack.connection.Connection(
                session=ks_session.Session(auth=auth),
                compute_endpoint_override=self.compute_url,
            )
            conns[key] = conn.compute
        return conns[key]

    def _boot_refs(self) -> tuple[str, str]:
        if not hasattr(self, "_refs"):
            compute = self.sdk()
            images = compute.get("/images", microversion="2.35").json()["images"]
            flavors = compute.get("/flavors/detail", microversion="2.1").json()["flavors"]
            smallest = min(flavors, key=lambda f: (f["vcpus"], f["ram"], f["disk"]))
            self._refs = (images[0]["id"], smallest["id"])
        return self._refs

    def create_server(
        self,
        host: str,
        *,
        metadata: dict[str, str] | None = None,
        project: str | None = None,
        name: str | None = None,
    ) -> str:
        image, flavor = self._boot_refs()
        body = {
            "server": {
                "name": name or f"contract-{uuid.uuid4().hex[:8]}",
                "imageRef": image,
                "flavorRef": flavor,
                "networks": "none",
                "host": host,
                "metadata": metadata or {},
            }
        }
        resp = self.sdk(project).post("/servers", json=body, microversion="2.74")
        assert resp.status_code == 202, resp.text
        return resp.json()["server"]["id"]

    def create_servers(self, host: str, count: int, **kw: Any) -> list[str]:
        ids = [self.create_server(host, **kw) for _ in range(count)]
        client = self.client()
        for sid in ids:
            wait_for(
                lambda sid=sid: client.get_server(sid).status == "ACTIVE",
                self.settle_timeout,
                f"server {sid} ACTIVE",
            )
        return ids

    def delete_server(self, server_id: str) -> None:
        self.sdk().delete(f"/servers/{server_id}")

    def create_aggregate(self, name: str) -> str:
        resp = self.sdk().post("/os-aggregates", json={"aggregate": {"name": name}})
        assert resp.status_code == 200, resp.text
        return str(resp.json()["aggregate"]["id"])

    def delete_aggregate(self, aggregate_id: str) -> None:
        self.sdk().delete(f"/os-aggregates/{aggregate_id}")


class RealNovaBackend(Backend):
    name = "realnova"

    def __init__(self, harness):
        self.harness = harness
        self.compute_url = harness.compute_url

    def new_host(self) -> str:
        host = f"rn-{uuid.uuid4().hex[:8]}"
        self.harness.start_host(host)
        return host

    def fail_host(self, host: str) -> None:
        self.harness.stop_host(host)

    def recover_host(self, host: str) -> None:
        self.harness.start_host(host)


def _cloudsim_backend(request) -> Backend:
    try:
        # one cloud for the whole session, like the real-Nova harness
        sim = request.getfixturevalue("cloudsim_session")
    except pytest.FixtureLookupError:
        pytest.skip("the cloudsim fixture (tests/fixtures/cloudsim.py) does not exist yet")
    from tests.nova_contract.cloudsim_backend import CloudsimBackend

    return CloudsimBackend(sim)


@pytest.fixture(scope="session", params=["cloudsim", "realnova"])
def nova_backend(request) -> Backend:
    if request.param == "realnova":
        return RealNovaBackend(request.getfixturevalue("realnova"))
    return _cloudsim_backend(request)


@pytest.fixture
def client(nova_backend) -> NovaClient:
    """A NovaClient at the default [nova] api_microversion (2.95)."""
    return nova_backend.client()
