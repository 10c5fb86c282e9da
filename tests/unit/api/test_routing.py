"""Upstream's router: 405 for generated but unimplemented actions, webob's 404 for no route."""

from __future__ import annotations

import httpx
import pytest

from masakari_lite.api.unimplemented import unimplemented_action
from tests.unit.api.helpers import fault, make_segment
from tests.unit.api.live import live_api, make_conf

U = "00000000-0000-0000-0000-000000000000"

GENERATED_UNIMPLEMENTED = [
    ("GET", "/segments/new", "new"),
    ("GET", f"/segments/{U}/edit", "edit"),
    ("POST", f"/segments/{U}/action", "action"),
    ("GET", f"/segments/{U}/hosts/new", "new"),
    ("GET", f"/segments/{U}/hosts/{U}/edit", "edit"),
    ("GET", "/notifications/new", "new"),
    ("GET", f"/notifications/{U}/edit", "edit"),
    ("POST", f"/notifications/{U}/action", "action"),
    ("PUT", f"/notifications/{U}", "update"),
    ("DELETE", f"/notifications/{U}", "delete"),
    ("POST", f"/notifications/{U}/vmoves", "create"),
    ("GET", f"/notifications/{U}/vmoves/new", "new"),
    ("GET", f"/notifications/{U}/vmoves/{U}/edit", "edit"),
    ("PUT", f"/notifications/{U}/vmoves/{U}", "update"),
    ("DELETE", f"/notifications/{U}/vmoves/{U}", "delete"),
    ("POST", "/extensions", "create"),
    ("GET", "/extensions/new", "new"),
    ("GET", "/extensions/segments/edit", "edit"),
    ("PUT", "/extensions/segments", "update"),
    ("DELETE", "/extensions/segments", "delete"),
    ("GET", "/versions", "index"),
    ("POST", "/versions", "create"),
    ("GET", "/versions/new", "new"),
    ("GET", "/versions/v1.0/edit", "edit"),
    ("PUT", "/versions/v1.0", "update"),
    ("DELETE", "/versions/v1.0", "delete"),
    # routes' formatted variants of the same actions
    ("GET", "/segments/new.json", "new"),
    ("PUT", f"/notifications/{U}.xml", "update"),
    ("POST", f"/segments/{U}/action.json", "action"),
]


@pytest.mark.parametrize("prefix", ["", "/0a1b-2c", "/ffff"])
@pytest.mark.parametrize(("method", "path", "action"), GENERATED_UNIMPLEMENTED)
def test_generated_but_unimplemented_actions_are_405(api, prefix, method, path, action):
    # The URL's project is compared with the caller's only after the 405 (noauth2
    # makes the caller admin:admin), as upstream does.
    r = httpx.request(method, f"{api.v1}{prefix}{path}")
    assert r.status_code == 405, r.text
    assert fault(r) == (
        "badMethod",
        405,
        f"The request method: '{method}' with action: '{action}' is not allowed on this resource",
    )
    assert r.headers["OpenStack-API-Version"] == "instance-ha 1.0"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("PATCH", "/segments"),
        ("PUT", "/segments"),
        ("DELETE", "/segments"),
        ("POST", f"/segments/{U}"),
        ("GET", f"/segments/{U}/action"),
        ("PUT", f"/segments/{U}/edit"),
        ("POST", "/segments/new"),
        ("HEAD", "/segments/new"),
        ("GET", "/segments/"),
        ("GET", "/segments/new/"),
        ("GET", "/ABC/segments/new"),
        ("GET", "/nothing-here"),
        ("OPTIONS", "/notifications"),
    ],
)
def test_no_route_is_the_routers_404(api, method, path):
    r = httpx.request(method, api.v1 + path, headers={"Accept": "text/plain"})
    assert r.status_code == 404
    if method != "HEAD":
        assert r.text == "404 Not Found\n\nThe resource could not be found.\n\n   "
    assert r.headers["content-type"] == "text/plain; charset=UTF-8"


@pytest.mark.parametrize(
    ("accept", "content_type"),
    [
        (None, "text/plain; charset=UTF-8"),
        ("*/*", "text/html; charset=UTF-8"),
        ("application/json", "application/json"),
        ("application/json;q=0.5, text/html;q=0.4", "application/json"),
        ("text/*", "text/html; charset=UTF-8"),
        ("text/html;q=0", "text/plain; charset=UTF-8"),
        ("not a media type", "text/html; charset=UTF-8"),
    ],
)
def test_the_routers_404_follows_accept_as_webob(api, accept, content_type):
    headers = {"Accept": accept} if accept else {}
    with httpx.Client() as c:
        request = c.build_request("GET", api.v1 + "/nothing-here", headers=headers)
        if accept is None:
            del request.headers["accept"]
        r = c.send(request)
    assert r.status_code == 404
    assert r.headers["content-type"] == content_type
    if content_type == "application/json":
        assert r.json()["code"] == "404 Not Found"


def test_routes_the_app_serves_are_never_refused():
    # Each documented route under /v1, with made-up path parameters, must not be
    # mistaken for a generated but unimplemented action.
    from masakari_lite.api.app import build_fastapi

    paths = build_fastapi(None).openapi()["paths"]
    served = [
        (method.upper(), path.replace("{", "").replace("}", ""))
        for path, operations in paths.items()
        if path.startswith("/v1/")
        for method in operations
    ]
    assert len(served) > 15
    assert [(m, p) for m, p in served if unimplemented_action(m, p)] == []


@pytest.mark.parametrize("path", ["/segments/new.txt", "/segments/action", "/segments/edit"])
def test_ids_that_only_look_like_actions_reach_show(client, path):
    r = client.get(path)
    assert r.status_code == 404
    assert fault(r) == ("itemNotFound", 404, f"No failover segment with id {path[10:]}.")


def test_real_member_routes_next_to_the_refused_ones_work(client):
    segment = make_segment(client)
    assert client.get(f"/segments/{segment['uuid']}").status_code == 200
    assert client.get(f"/segments/{segment['uuid']}/edit").status_code == 405
    assert client.get(f"/segments/{segment['uuid']}/hosts").json() == {"hosts": []}
    assert client.delete(f"/segments/{segment['uuid']}").status_code == 204


def test_media_type_is_checked_before_the_405_on_every_method(client):
    r = client.delete(f"/notifications/{U}", headers={"Content-Type": "application/xml"})
    assert fault(r) == ("badMediaType", 415, "Unsupported Content-Type")


def test_the_body_is_not_read_before_the_405(client):
    r = client.put(f"/notifications/{U}", content=b"{not json")
    assert r.status_code == 405


def test_declared_oversize_body_is_413_before_the_405(tmp_path):
    conf = make_conf(oslo_middleware__max_request_body_size=10)
    with live_api(f"sqlite:///{tmp_path}/b.sqlite", conf=conf) as live:
        r = httpx.put(f"{live.v1}/notifications/{U}", content=b"x" * 11)
    assert fault(r) == ("overLimit", 413, "Request is too large.")


def test_a_bad_microversion_is_refused_before_the_405(client):
    r = client.get("/segments/new", headers={"OpenStack-API-Version": "instance-ha 1.9"})
    assert r.status_code == 406
