"""Host-name checks against Nova: one listing answers a burst, a miss is always re-asked."""

from __future__ import annotations

import pytest

from masakari_lite.api.compute_hosts import ComputeHostNames
from masakari_lite.compute.types import Service
from masakari_lite.db import errors
from tests.unit.api.live import up_compute_service


class CountingNova:
    def __init__(self, hosts):
        self.hosts = set(hosts)
        self.listings = 0
        self.asked: list[str] = []

    def compute_host_names(self) -> set[str]:
        self.listings += 1
        return set(self.hosts)

    def find_compute_service(self, host: str) -> Service | None:
        self.asked.append(host)
        if host not in self.hosts:
            return None
        return up_compute_service(host)


def test_one_listing_answers_a_burst_of_creates():
    nova = CountingNova(f"host{i}" for i in range(100))
    names = ComputeHostNames(lambda: nova, ttl=60)
    for i in range(100):
        names.check(f"host{i}")
    assert nova.listings == 1 and nova.asked == []


def test_unknown_name_is_asked_again_then_refused():
    nova = CountingNova(["host1"])
    names = ComputeHostNames(lambda: nova, ttl=60)
    names.check("host1")
    with pytest.raises(errors.BadRequest, match="Compute service with name ghost could not"):
        names.check("ghost")
    assert nova.asked == ["ghost"]


def test_a_host_registered_after_the_listing_is_accepted():
    nova = CountingNova(["host1"])
    names = ComputeHostNames(lambda: nova, ttl=60)
    names.check("host1")
    nova.hosts.add("new-host")
    names.check("new-host")  # the listing is a second old at most: the name is asked alone
    assert nova.asked == ["new-host"] and names.known("new-host")


def test_a_host_gone_from_nova_drops_out_at_the_next_listing(monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr("masakari_lite.api.compute_hosts.time.monotonic", lambda: clock[0])
    nova = CountingNova(["host1", "host2"])
    names = ComputeHostNames(lambda: nova, ttl=60)
    names.check("host1")
    nova.hosts.discard("host2")
    clock[0] += 61
    names.check("host1")  # expired: listed again, without host2
    assert nova.listings == 2 and not names.known("host2")
    with pytest.raises(errors.BadRequest):
        names.check("host2")


def test_zero_ttl_asks_nova_every_time_as_upstream():
    nova = CountingNova(["host1"])
    names = ComputeHostNames(lambda: nova, ttl=0)
    names.check("host1")
    names.check("host1")
    assert nova.asked == ["host1", "host1"] and nova.listings == 0
