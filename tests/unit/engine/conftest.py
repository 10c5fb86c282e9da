"""Engine unit-test fixtures."""

from __future__ import annotations

import pytest
from oslo_config import cfg

from tests.unit.engine import rows
from tests.unit.engine.support import make_conf


@pytest.fixture
def engine_conf() -> cfg.ConfigOpts:
    return make_conf()


@pytest.fixture
def db(sqlite_url) -> str:
    return rows.migrate(sqlite_url)


@pytest.fixture
def sim(cloudsim_factory):
    """The simulated Nova over real HTTP, three empty hosts; nova-compute down only when forced."""
    return cloudsim_factory(instances_per_host=0, service_down_time=60, evacuation_time=0.2)


@pytest.fixture
def nova(sim, engine_conf):
    from masakari_lite.compute.client import NovaClient

    point_at(engine_conf, sim)
    return NovaClient(engine_conf)


def point_at(conf: cfg.ConfigOpts, sim) -> None:
    conf.set_override("auth_type", "none", group="nova")
    conf.set_override("endpoint_override", sim.compute_url, group="nova")
