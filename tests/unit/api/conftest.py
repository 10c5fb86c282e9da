"""A live API on SQLite shared by the unit API tests, and a factory for custom ones."""

from __future__ import annotations

import httpx
import pytest

from tests.unit.api.live import live_api


@pytest.fixture(scope="session")
def api(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('api')}/api.sqlite"
    with live_api(url) as live:
        yield live


@pytest.fixture
def client(api):
    with httpx.Client(base_url=api.v1, timeout=30) as c:
        yield c
