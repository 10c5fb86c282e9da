"""Property-based: no request generated from the OpenAPI document gets a 5xx."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, settings

from masakari_lite.api import notfound
from masakari_lite.api.app import build_fastapi

SCHEMA = schemathesis.openapi.from_dict(build_fastapi(None).openapi())


@SCHEMA.parametrize()
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), database=None)
def test_no_server_error(case, api):
    response = case.call(base_url=api.url)
    assert response.status_code < 500, (case.method, case.formatted_path, response.text)
    routers_404 = notfound.router_not_found(response.request.headers.get("accept")).body
    if response.status_code == 404 and response.content == routers_404:
        return  # a path parameter that matches no route (a "/" in it, say): no fault envelope
    if response.status_code >= 400:
        (fault,) = response.json().values()
        assert fault["code"] == response.status_code and fault["message"]
