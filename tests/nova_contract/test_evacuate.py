"""Evacuating the servers of a failed host, as the engine does it."""

from __future__ import annotations

import uuid

import pytest

from masakari_lite.compute import ComputeError, ComputeNotFound
from tests.nova_contract.conftest import wait_for


def _failed_host(backend, client, n: int) -> tuple[str, list[str]]:
    """A host with ``n`` ACTIVE servers that then fails and is forced down."""
    host = backend.new_host()
    ids = backend.create_servers(host, n)
    backend.fail_host(host)
    # Force down first: disabling a service Nova still believes up makes Nova
    # call that (dead) compute and wait rpc_response_timeout for it.
    client.force_down_service(host)
    client.disable_service(host, "contract: host failed")
    return host, ids


def _settled(client, sid: str, source: str):
    s = client.get_server(sid)
    return s if s.host != source and s.task_state is None else None


def _wait_settled(client, sid: str, source: str):
    return wait_for(
        lambda: _settled(client, sid, source),
        60,
        f"{sid} evacuated from {source}",
        show=lambda: (client.get_server(sid), client.list_migrations(instance_id=sid)),
    )


def _recover(backend, client, host: str) -> None:
    backend.recover_host(host)
    client.force_down_service(host, forced_down=False)
    client.enable_service(host)


def test_evacuate_to_target_host(nova_backend):
    # 2.94: the last microversion where an evacuated server keeps its power state
    client = nova_backend.client(api_microversion="2.94")
    target = nova_backend.new_host()
    source, ids = _failed_host(nova_backend, client, 2)
    for sid in ids:
        client.evacuate_server(sid, target_host=target)
    for sid in ids:
        s = _wait_settled(client, sid, source)
        assert (s.host, s.status, s.vm_state, s.power_state) == (target, "ACTIVE", "active", 1)
    migrations = client.list_migrations(source_compute=source)
    assert sorted(m.instance_id for m in migrations) == sorted(ids)
    assert {(m.migration_type, m.dest_compute, m.status) for m in migrations} == {
        ("evacuation", target, "done")
    }
    assert client.list_servers_on_host(source) == []
    _recover(nova_backend, client, source)


def test_evacuate_scheduler_picks_host(nova_backend):
    client = nova_backend.client(api_microversion="2.94")
    nova_backend.new_host()  # somewhere to go
    source, ids = _failed_host(nova_backend, client, 2)
    for sid in ids:
        client.evacuate_server(sid)
    for sid in ids:
        s = _wait_settled(client, sid, source)
        assert s.host not in (None, source)
        assert (s.status, s.vm_state) == ("ACTIVE", "active")
    _recover(nova_backend, client, source)


def test_evacuate_at_2_95_ends_shutoff(nova_backend, client):
    """From 2.95 Nova leaves every evacuated server stopped on its new host."""
    assert client.max_microversion() == "2.95"
    target = nova_backend.new_host()
    source, (sid,) = _failed_host(nova_backend, client, 1)
    client.evacuate_server(sid, target_host=target)
    s = _wait_settled(client, sid, source)
    assert (s.host, s.status, s.vm_state, s.power_state) == (target, "SHUTOFF", "stopped", 4)
    client.start_server(sid)
    wait_for(lambda: client.get_server(sid).status == "ACTIVE", 60, "started after evacuation")
    _recover(nova_backend, client, source)


def test_evacuate_refused_while_source_is_up(nova_backend, client):
    host = nova_backend.new_host()
    nova_backend.new_host()
    (sid,) = nova_backend.create_servers(host, 1)
    with pytest.raises(ComputeError) as err:
        client.evacuate_server(sid)
    # Nova answers 400 "Compute service of <host> is still in use."
    assert err.value.status_code == 400
    assert host in str(err.value)
    s = client.get_server(sid)
    assert (s.host, s.status) == (host, "ACTIVE")


def test_evacuate_unknown_server(client):
    with pytest.raises(ComputeNotFound):
        client.evacuate_server(str(uuid.uuid4()))


def test_evacuate_after_natural_down_keeps_power_state(nova_backend):
    """No force-down: Nova accepts once service_down_time has passed. At 2.94 a
    stopped server stays stopped and an ERROR one comes back ACTIVE (rebuilt)."""
    client = nova_backend.client(api_microversion="2.94")
    target = nova_backend.new_host()
    source = nova_backend.new_host()
    running, stopped, broken = nova_backend.create_servers(source, 3)
    client.stop_server(stopped)
    wait_for(lambda: client.get_server(stopped).status == "SHUTOFF", 60, "stopped")
    client.reset_server_state(broken, "error")
    nova_backend.fail_host(source)
    wait_for(lambda: client.get_service(source).state == "down", 60, f"{source} down")
    for sid in (running, stopped, broken):
        client.evacuate_server(sid, target_host=target)
    expected = {running: "ACTIVE", stopped: "SHUTOFF", broken: "ACTIVE"}
    for sid, status in expected.items():
        s = _wait_settled(client, sid, source)
        assert (s.host, s.status) == (target, status)
    nova_backend.recover_host(source)
    wait_for(lambda: client.get_service(source).state == "up", 60, f"{source} up again")
    assert client.list_servers_on_host(source) == []


def test_second_evacuate_of_a_moved_server_is_refused(nova_backend):
    """The engine's double-evacuation guard can rely on Nova: once the server
    lives on a healthy host, evacuating it again is refused."""
    client = nova_backend.client(api_microversion="2.94")
    target = nova_backend.new_host()
    source, (sid,) = _failed_host(nova_backend, client, 1)
    client.evacuate_server(sid, target_host=target)
    _wait_settled(client, sid, source)
    with pytest.raises(ComputeError) as err:
        client.evacuate_server(sid)
    assert err.value.status_code == 400
    assert target in str(err.value)
    _recover(nova_backend, client, source)


def test_evacuate_to_the_source_host_is_refused(nova_backend, client):
    source, (sid,) = _failed_host(nova_backend, client, 1)
    with pytest.raises(ComputeError) as err:
        client.evacuate_server(sid, target_host=source)
    assert err.value.status_code == 400
    s = client.get_server(sid)
    assert (s.host, s.status, s.task_state) == (source, "ACTIVE", None)
    _recover(nova_backend, client, source)


def test_evacuate_below_2_14_sends_on_shared_storage(nova_backend):
    client = nova_backend.client(api_microversion="2.13")
    target = nova_backend.new_host()
    source, (sid,) = _failed_host(nova_backend, client, 1)
    client.evacuate_server(sid, target_host=target)
    s = _wait_settled(client, sid, source)
    assert (s.host, s.status) == (target, "ACTIVE")
    _recover(nova_backend, client, source)


def test_admin_evacuates_a_locked_server(nova_backend):
    """The engine locks a server before evacuating it (so its owner cannot act
    on it meanwhile); an admin's evacuate goes through the lock."""
    client = nova_backend.client(api_microversion="2.94")
    target = nova_backend.new_host()
    source, (sid,) = _failed_host(nova_backend, client, 1)
    client.lock_server(sid, reason="masakari-lite: evacuating")
    client.evacuate_server(sid, target_host=target)
    s = _wait_settled(client, sid, source)
    assert (s.host, s.status, s.locked) == (target, "ACTIVE", True)
    client.unlock_server(sid)
    assert client.get_server(sid).locked is False
    _recover(nova_backend, client, source)
