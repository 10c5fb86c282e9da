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
