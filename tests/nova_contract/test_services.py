"""Compute services: what the engine does to a failed host's nova-compute."""

from __future__ import annotations

import pytest

from masakari_lite.compute import ComputeNotFound
from tests.nova_contract.conftest import wait_for


def test_find_compute_service(nova_backend, client):
    host = nova_backend.new_host()
    svc = client.find_compute_service(host)
    assert svc is not None
    assert (svc.host, svc.binary, svc.status, svc.state) == (host, "nova-compute", "enabled", "up")
    assert svc.forced_down is False
    assert svc.disabled_reason is None
    assert client.find_compute_service(f"{host}-nope") is None


@pytest.mark.parametrize("microversion", ["2.95", "2.52"])
def test_disable_force_down_enable(nova_backend, microversion):
    """2.53+ uses PUT /os-services/{uuid}; 2.11-2.52 the disable-log-reason,
    force-down and enable forms. Both must land in the same state."""
    client = nova_backend.client(api_microversion=microversion)
    host = nova_backend.new_host()

    svc = client.disable_service(host, "masakari-lite: host failure")
    assert (svc.status, svc.disabled_reason) == ("disabled", "masakari-lite: host failure")
    assert svc.state == "up"

    svc = client.force_down_service(host)
    assert svc.forced_down is True
    # forced down means down at once, without waiting for service_down_time
    assert client.get_service(host).state == "down"
    assert client.get_service(host).status == "disabled"

    svc = client.force_down_service(host, forced_down=False)
    assert svc.forced_down is False
    assert client.get_service(host).state == "up"

    svc = client.enable_service(host)
    assert (svc.status, svc.disabled_reason) == ("enabled", None)
    assert client.get_service(host).status == "enabled"


def test_failed_host_goes_down_after_service_down_time(nova_backend, client):
    host = nova_backend.new_host()
    nova_backend.fail_host(host)
    svc = wait_for(
        lambda: (s := client.get_service(host)).state == "down" and s,
        nova_backend.settle_timeout,
        f"{host} reported down",
    )
    assert svc.forced_down is False
    assert svc.status == "enabled"
    nova_backend.recover_host(host)
    wait_for(lambda: client.get_service(host).state == "up", nova_backend.settle_timeout, "up")


def test_unknown_service_host(client):
    with pytest.raises(ComputeNotFound):
        client.disable_service("no-such-compute-host", "x")
    with pytest.raises(ComputeNotFound):
        client.force_down_service("no-such-compute-host")
