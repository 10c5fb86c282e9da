"""Property-based: no request generated from the OpenAPI document gets a 5xx.

On SQLite (inline reads, group commit) and on PostgreSQL (asyncpg, whose
parameter typing is stricter than psycopg2's).
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from masakari_lite.api import notfound
from masakari_lite.api.app import build_fastapi
from tests.fixtures.services import PG_ADMIN_URL, _fresh_database, need
from tests.unit.api.live import live_api

SCHEMA = schemathesis.openapi.from_dict(build_fastapi(None).openapi())
FUZZ = settings(
    max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), database=None
)


@pytest.fixture(scope="module")
def pg_api():
    need("PostgreSQL", "127.0.0.1", 5432)
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    url, drop = _fresh_database(PG_ADMIN_URL, lambda name: f"{base}/{name}")
    with live_api(url) as live:
        yield live
    drop()


@SCHEMA.parametrize()
@FUZZ
def test_no_server_error(case, api):
    _check(case, api)


@SCHEMA.parametrize()
@settings(FUZZ, max_examples=6)
def test_no_server_error_on_postgresql(case, pg_api):
    _check(case, pg_api)


def _check(case, api) -> None:
    response = case.call(base_url=api.url)
    assert response.status_code < 500, (case.method, case.formatted_path, response.text)
    routers_404 = notfound.router_not_found(response.request.headers.get("accept")).body
    if response.status_code == 404 and response.content == routers_404:
        return  # a path parameter that matches no route (a "/" in it, say): no fault envelope
    if response.status_code >= 400:
        (fault,) = response.json().values()
        assert fault["code"] == response.status_code and fault["message"]
