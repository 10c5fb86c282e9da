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
        s = wait_for(lambda sid=sid: _settled(client, sid, source), 60, f"{sid} evacuated")
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
        s = wait_for(lambda sid=sid: _settled(client, sid, source), 60, f"{sid} evacuated")
        assert s.host not in (None, source)
        assert (s.status, s.vm_state) == ("ACTIVE", "active")
    _recover(nova_backend, client, source)


def test_evacuate_at_2_95_ends_shutoff(nova_backend, client):
    """From 2.95 Nova leaves every evacuated server stopped on its new host."""
    assert client.max_microversion() == "2.95"
    target = nova_backend.new_host()
    source, (sid,) = _failed_host(nova_backend, client, 1)
    client.evacuate_server(sid, target_host=target)
    s = wait_for(lambda: _settled(client, sid, source), 60, "evacuated")
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
