"""Servers of a host: listing across pages, stop/start/reset-state, lock."""

from __future__ import annotations

from tests.nova_contract.conftest import wait_for

HA = {"HA_Enabled": "True"}


def test_list_servers_on_host_across_pages(nova_backend, client):
    host, other = nova_backend.new_host(), nova_backend.new_host()
    mine = nova_backend.create_servers(host, 4, metadata=HA)
    # another tenant's server on the same host: all_tenants must find it too
    mine += nova_backend.create_servers(host, 1, project="contract-other-project")
    nova_backend.create_servers(other, 1)

    client.page_size = 2  # 5 servers -> 3 pages, following the marker
    listed = client.list_servers_on_host(host)
    assert sorted(s.id for s in listed) == sorted(mine)
    assert {s.host for s in listed} == {host}
    assert sum(1 for s in listed if s.metadata == HA) == 4
    for s in listed:
        assert (s.status, s.vm_state, s.task_state, s.power_state) == ("ACTIVE", "active", None, 1)
        assert s.image_id is not None and s.volumes == ()
        assert s.locked is False

    client.page_size = 1000
    assert sorted(s.id for s in client.list_servers_on_host(host)) == sorted(mine)
    assert client.list_servers_on_host(f"{host}-empty") == []


def test_stop_start_reset_state(nova_backend, client):
    host = nova_backend.new_host()
    (sid,) = nova_backend.create_servers(host, 1)
    t = nova_backend.settle_timeout

    client.stop_server(sid)
    s = wait_for(lambda: (x := client.get_server(sid)).status == "SHUTOFF" and x, t, "SHUTOFF")
    assert (s.vm_state, s.task_state, s.power_state, s.host) == ("stopped", None, 4, host)

    client.start_server(sid)
    s = wait_for(lambda: (x := client.get_server(sid)).status == "ACTIVE" and x, t, "ACTIVE")
    assert (s.vm_state, s.power_state) == ("active", 1)

    client.reset_server_state(sid, "error")
    s = client.get_server(sid)  # reset-state is synchronous in Nova
    assert (s.status, s.vm_state) == ("ERROR", "error")

    client.reset_server_state(sid, "active")
    s = client.get_server(sid)
    assert (s.status, s.vm_state, s.task_state) == ("ACTIVE", "active", None)


def test_lock_unlock(nova_backend, client):
    host = nova_backend.new_host()
    (sid,) = nova_backend.create_servers(host, 1)
    client.lock_server(sid, reason="masakari-lite evacuation")
    assert client.get_server(sid).locked is True
    client.unlock_server(sid)
    assert client.get_server(sid).locked is False
    # below 2.73 there is no reason; the lock itself must still work
    old = nova_backend.client(api_microversion="2.53")
    old.lock_server(sid, reason="ignored below 2.73")
    assert client.get_server(sid).locked is True
    old.unlock_server(sid)
    assert client.get_server(sid).locked is False
