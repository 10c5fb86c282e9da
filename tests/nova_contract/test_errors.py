"""The errors Nova returns, as the engine sees them through NovaClient."""

from __future__ import annotations

import uuid

import pytest

from masakari_lite.compute import ComputeConflict, ComputeError, ComputeNotFound


@pytest.mark.parametrize(
    "call",
    [
        lambda c, sid: c.get_server(sid),
        lambda c, sid: c.stop_server(sid),
        lambda c, sid: c.start_server(sid),
        lambda c, sid: c.reset_server_state(sid, "error"),
        lambda c, sid: c.lock_server(sid),
    ],
    ids=["get", "stop", "start", "reset-state", "lock"],
)
def test_unknown_server_is_not_found(client, call):
    with pytest.raises(ComputeNotFound) as err:
        call(client, str(uuid.uuid4()))
    assert err.value.status_code == 404


def test_action_in_wrong_state_is_conflict(nova_backend, client):
    host = nova_backend.new_host()
    (sid,) = nova_backend.create_servers(host, 1)
    # starting an ACTIVE server: Nova's 409 "Cannot 'start' instance ... in vm_state active"
    with pytest.raises(ComputeConflict) as err:
        client.start_server(sid)
    assert err.value.status_code == 409


def test_bad_reset_state_is_bad_request(nova_backend, client):
    host = nova_backend.new_host()
    (sid,) = nova_backend.create_servers(host, 1)
    with pytest.raises(ComputeError) as err:
        client.reset_server_state(sid, "rebooting")
    assert err.value.status_code == 400
    assert not isinstance(err.value, (ComputeNotFound, ComputeConflict))
