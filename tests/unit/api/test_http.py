"""Transport-level rules: bodies, media types, project-id paths, methods, health, logs."""

from __future__ import annotations

import logging

import httpx
import pytest

from tests.unit.api.helpers import fault, make_segment
from tests.unit.api.live import live_api, make_conf

SEGMENT = b'{"segment": {"name": "n", "recovery_method": "auto", "service_type": "C"}}'


def test_body_over_the_limit_is_413(tmp_path):
    conf = make_conf(oslo_middleware__max_request_body_size=200)
    with live_api(f"sqlite:///{tmp_path}/l.sqlite", conf=conf) as live:
        big = b'{"segment": {"name": "' + b"a" * 300 + b'"}}'
        r = httpx.post(
            live.v1 + "/segments", content=big, headers={"content-type": "application/json"}
        )
        assert r.status_code == 413
        assert fault(r) == ("overLimit", 413, "Request is too large.")

        def chunks():
            yield big[:100]
            yield big[100:]

        r = httpx.post(
            live.v1 + "/segments", content=chunks(), headers={"content-type": "application/json"}
        )
        assert r.status_code == 413
        assert httpx.post(live.v1 + "/segments", content=SEGMENT).status_code == 201


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json",
        "application/json; charset=UTF-8",
        "text/plain",
        "application/vnd.openstack.masakari+json",
        None,
    ],
)
def test_accepted_media_types(client, content_type):
    body = SEGMENT.replace(b'"n"', f'"{content_type}-{id(client)}"'.encode())
    headers = {"content-type": content_type} if content_type else {}
    r = client.post("/segments", content=body, headers=headers)
    assert r.status_code == 201, r.text


@pytest.mark.parametrize(
    "content_type", ["application/xml", "multipart/form-data", "application/x-www-form-urlencoded"]
)
def test_other_media_types_are_415(client, content_type):
    r = client.post("/segments", content=SEGMENT, headers={"content-type": content_type})
    assert r.status_code == 415
    assert fault(r) == ("badMediaType", 415, "Unsupported Content-Type")


@pytest.mark.parametrize(
    "raw",
    [
        b"{",
        b"nul",
        b'{"segment": }',
        b"\xff\xfe{}",
        b'{"a": "\xe9"}',
        b'{"segment": {"name": "\\ud800", "recovery_method": "auto", "service_type": "C"}}',
        b"[" * 100000,
        b"1" * 5000,
    ],
)
def test_malformed_bodies_are_400(client, raw):
    r = client.post("/segments", content=raw, headers={"content-type": "application/json"})
    assert r.status_code == 400, r.text
    assert fault(r)[0] == "badRequest"


def test_empty_body_fails_the_schema(client):
    r = client.post("/segments", content=b"")
    assert r.status_code == 400
    assert fault(r)[2] == "None is not of type 'object'"


def test_project_id_prefix_is_optional_but_must_match(api):
    project = "0123456789abcdef"
    token = {"X-Auth-Token": f"someone:{project}"}
    with httpx.Client(base_url=api.v1, headers=token) as c:
        seg = make_segment(c)
        for path in (f"/{project}/segments/{seg['uuid']}", f"/segments/{seg['uuid']}"):
            assert c.get(path).json()["segment"]["uuid"] == seg["uuid"]
        r = c.get("/fedcba9876543210/segments")
        assert r.status_code == 400
        assert fault(r)[2] == (
            "Malformed request URL: URL's project_id 'fedcba9876543210' "
            f"doesn't match Context's project_id '{project}'"
        )
        assert c.get(f"/{project}").json()["version"]["id"] == "v1.0"
        assert (
            c.post(
                f"/{project}/segments",
                json={
                    "segment": {
                        "name": "pfx-" + project,
                        "recovery_method": "auto",
                        "service_type": "C",
                    }
                },
            ).status_code
            == 201
        )


def test_noauth_token_without_project_uses_the_user_as_project(api):
    with httpx.Client(base_url=api.v1, headers={"X-Auth-Token": "abc"}) as c:
        assert c.get("/abc/segments").status_code == 200


@pytest.mark.parametrize("query", ["limit=abc", "marker=%00", "type=%00", "sort_key=%00"])
def test_no_422_from_fastapi(client, query):
    for path in ("/segments", "/notifications"):
        r = client.get(f"{path}?{query}")
        assert r.status_code in (200, 400), r.text
        assert "detail" not in r.json()


def test_healthcheck_follows_the_disable_file(tmp_path):
    disable = tmp_path / "healthcheck_disable"
    conf = make_conf(healthcheck_disable_file=str(disable))
    with live_api(f"sqlite:///{tmp_path}/h.sqlite", conf=conf) as live:
        assert httpx.get(live.url + "/healthcheck").status_code == 200
        disable.write_text("")
        assert httpx.get(live.url + "/healthcheck").status_code == 503
        disable.unlink()
        assert httpx.get(live.url + "/healthcheck").status_code == 200


def test_one_access_log_line_per_request(client, caplog):
    with caplog.at_level(logging.INFO, logger="masakari_lite.api.access"):
        r = client.get("/segments?limit=1")
        client.get("/nowhere")
    lines = [rec.getMessage() for rec in caplog.records if rec.name == "masakari_lite.api.access"]
    assert len(lines) == 2
    rid = r.headers["x-openstack-request-id"]
    assert lines[0].startswith(rid) and '"GET /v1/segments?limit=1" status: 200' in lines[0]
    assert "ms" in lines[0]
    assert "status: 404" in lines[1]
