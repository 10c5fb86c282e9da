"""Host aggregates: where the engine puts a reserved host before evacuating to it."""

from __future__ import annotations

import uuid

import pytest

from masakari_lite.compute import ComputeConflict, ComputeNotFound


@pytest.fixture
def aggregate(nova_backend):
    agg_id = nova_backend.create_aggregate(f"contract-{uuid.uuid4().hex[:8]}")
    yield agg_id
    for host in next(a for a in nova_backend.client().list_aggregates() if a.id == agg_id).hosts:
        nova_backend.client().remove_host_from_aggregate(agg_id, host)
    nova_backend.delete_aggregate(agg_id)


def test_add_and_remove_host(nova_backend, client, aggregate):
    host = nova_backend.new_host()
    agg = next(a for a in client.list_aggregates() if a.id == aggregate)
    assert agg.hosts == ()

    client.add_host_to_aggregate(aggregate, host)
    agg = next(a for a in client.list_aggregates() if a.id == aggregate)
    assert agg.hosts == (host,)

    # a second add is Nova's 409 (the engine treats it as already done)
    with pytest.raises(ComputeConflict):
        client.add_host_to_aggregate(aggregate, host)

    client.remove_host_from_aggregate(aggregate, host)
    agg = next(a for a in client.list_aggregates() if a.id == aggregate)
    assert agg.hosts == ()

    with pytest.raises(ComputeNotFound):
        client.remove_host_from_aggregate(aggregate, host)


def test_unknown_host_or_aggregate(nova_backend, client, aggregate):
    with pytest.raises(ComputeNotFound):
        client.add_host_to_aggregate(aggregate, "no-such-compute-host")
    host = nova_backend.new_host()
    with pytest.raises(ComputeNotFound):
        client.add_host_to_aggregate("987654", host)
