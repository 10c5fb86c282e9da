"""Listings page newest first by marker, each page's `next` link leading to the rest."""

from __future__ import annotations

import openstack

from tests.unit.cloudsim.conftest import Nova, settled


def _pages(nova: Nova, path: str, key: str, mv: str) -> list[list[dict]]:
    """Every page of a listing, following its `{key}_links` next hrefs."""
    pages, url = [], path
    while url:
        resp = nova.call("GET", url, mv)
        assert resp.status_code == 200, resp.text
        body = resp.json()
        pages.append(body[key])
        links = [link["href"] for link in body.get(f"{key}_links", []) if link["rel"] == "next"]
        url = links[0] if links else None
    return pages


def _evacuated_cloud(cloudsim_factory):
    """host2 dead, two of its servers evacuated to host1 (older ones among newer)."""
    sim = cloudsim_factory(hosts=2, instances_per_host=3, evacuation_time=0)
    nova = Nova(openstack.connect(**sim.sdk_config()))
    sim.fail_host("host2")
    svc = nova.service("host2")
    assert nova.call("PUT", f"/os-services/{svc['id']}", "2.53", {"forced_down": True}).ok
    moved = sim.servers_on("host2")[:2]
    for sid in moved:
        assert nova.action(sid, {"evacuate": {"host": "host1"}}, "2.94").status_code == 200
        settled(sim, sid)
    return sim, nova, moved


def test_servers_of_a_host_page_newest_first_after_moves(cloudsim_factory):
    sim, nova, moved = _evacuated_cloud(cloudsim_factory)
    sim.cloud.add_server("host1")  # newer than every evacuated one
    on_host1 = sim.servers_on("host1")
    assert set(moved) <= set(on_host1)
    newest_first = sorted(on_host1, key=lambda i: sim.server(i).seq, reverse=True)
    pages = _pages(nova, "/servers/detail?all_tenants=1&host=host1&limit=2", "servers", "2.94")
    assert [len(p) for p in pages] == [2, 2, 2, 0]  # as Nova: a full page links on
    assert [s["id"] for page in pages for s in page] == newest_first
    gone = newest_first[1]
    with sim.cloud.session():
        sim.cloud.delete_server(sim.cloud.get_instance(gone))
    rest = nova.call(
        "GET", f"/servers/detail?all_tenants=1&host=host1&marker={newest_first[0]}", "2.94"
    ).json()["servers"]
    assert [s["id"] for s in rest] == newest_first[2:]


def test_migrations_page_newest_first_with_next_links(cloudsim_factory):
    sim, nova, moved = _evacuated_cloud(cloudsim_factory)
    third = sim.servers_on("host2")[0]
    assert nova.action(third, {"evacuate": {}}, "2.94").status_code == 200
    settled(sim, third)
    pages = _pages(nova, "/os-migrations?limit=2", "migrations", "2.59")
    ids = [mg["id"] for page in pages for mg in page]
    assert [len(p) for p in pages] == [2, 1]
    assert ids == sorted(ids, reverse=True) and len(ids) == 3
    assert [mg["instance_uuid"] for page in pages for mg in page] == [third, *reversed(moved)]
    filtered = _pages(nova, "/os-migrations?limit=1&instance_uuid=" + third, "migrations", "2.59")
    assert [[mg["instance_uuid"] for mg in p] for p in filtered] == [[third], []]


def test_hypervisors_page_by_id_then_by_uuid_with_next_links(cloudsim_factory):
    sim = cloudsim_factory(hosts=3, instances_per_host=0)
    nova = Nova(openstack.connect(**sim.sdk_config()))
    by_id = _pages(nova, "/os-hypervisors?limit=2", "hypervisors", "2.33")
    assert [[h["hypervisor_hostname"] for h in p] for p in by_id] == [["host1", "host2"], ["host3"]]
    assert all(isinstance(h["id"], int) for p in by_id for h in p)
    by_uuid = _pages(nova, "/os-hypervisors/detail?limit=1", "hypervisors", "2.53")
    assert [[h["hypervisor_hostname"] for h in p] for p in by_uuid] == [
        ["host1"],
        ["host2"],
        ["host3"],
        [],
    ]
    first = nova.call("GET", "/os-hypervisors?limit=1", "2.53").json()
    assert f"marker={first['hypervisors'][0]['id']}" in first["hypervisors_links"][0]["href"]
