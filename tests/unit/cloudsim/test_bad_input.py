"""Bad input to any simulator route is a 4xx with a message, never a 500."""

from __future__ import annotations

import httpx
import pytest

JUNK = [
    b"",
    b"{",
    b"[]",
    b"null",
    b'"x"',
    b"42",
    b'{"a": {"b": []}}',
    b'{"evacuate": "x"}',
    b'{"server": []}',
    b'{"auth": {"identity": {"methods": ["password"], "password": "x"}}}',
    b'{"aggregate": {"name": 5}}',
    b'{"metadata": [1]}',
    b'{"op": 1, "latency": "x"}',
    b'{"name": 3, "vcpus": "many"}',
    b'{"host": null}',
]


def _routes(sim) -> list[tuple[str, str]]:
    sid = sim.servers_on("host1")[0]
    return [
        ("POST", "/v2.1/servers"),
        ("PUT", "/v2.1/servers/x"),
        ("POST", f"/v2.1/servers/{sid}/action"),
        ("PUT", f"/v2.1/servers/{sid}/metadata"),
        ("POST", f"/v2.1/servers/{sid}/metadata"),
        ("PUT", f"/v2.1/servers/{sid}/metadata/k"),
        ("PUT", "/v2.1/os-services/disable"),
        ("PUT", "/v2.1/os-services/force-down"),
        ("POST", "/v2.1/os-aggregates"),
        ("POST", "/v2.1/os-aggregates/1/action"),
        ("PUT", "/v2.1/os-aggregates/x"),
        ("POST", "/identity/v3/auth/tokens"),
        ("POST", "/_sim/hosts"),
        ("POST", "/_sim/servers"),
        ("POST", "/_sim/faults"),
        ("POST", "/_sim/catalog"),
        ("PUT", "/_sim/config"),
        ("POST", f"/_sim/servers/{sid}/slow_evacuation"),
        ("POST", "/_sim/hosts/host2/recover"),
    ]


@pytest.mark.parametrize("mv", ["2.1", "2.53", "2.95"])
def test_junk_bodies_get_4xx(cloudsim, mv):
    headers = {"OpenStack-API-Version": f"compute {mv}", "Content-Type": "application/json"}
    with httpx.Client(base_url=cloudsim.url, headers=headers) as client:
        for method, path in _routes(cloudsim):
            for body in JUNK:
                resp = client.request(method, path, content=body)
                assert resp.status_code < 500, (method, path, body, resp.text)
        for query in (
            "limit=x",
            "limit=-3",
            "marker=zz",
            "all_tenants=maybe",
            "name=(",
            "with_servers=perhaps",
            "hypervisor_hostname_pattern=zz",
        ):
            for path in ("/v2.1/servers/detail", "/v2.1/os-hypervisors", "/v2.1/os-migrations"):
                resp = client.get(f"{path}?{query}")
                assert resp.status_code < 500, (path, query, resp.text)
