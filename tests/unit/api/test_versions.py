"""Version discovery, microversions and the headers every response carries."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.unit.api.helpers import fault


def test_root_document_is_public_and_names_the_v1_url(api):
    r = httpx.get(api.url + "/")
    assert r.status_code == 200
    (entry,) = r.json()["versions"]
    assert entry["id"] == "v1.0"
    assert (entry["version"], entry["min_version"], entry["status"]) == ("1.3", "1.0", "CURRENT")
    assert entry["links"] == [{"rel": "self", "href": api.url + "/v1/"}]


@pytest.mark.parametrize("path", ["/v1", "/v1/"])
def test_v1_document(api, path):
    r = httpx.get(api.url + path)
    assert r.status_code == 200
    doc = r.json()["version"]
    assert doc["id"] == "v1.0" and doc["version"] == "1.3" and doc["min_version"] == "1.0"
    assert {"rel": "self", "href": api.url + "/v1/"} in doc["links"]
    assert doc["media-types"][0]["base"] == "application/json"


def test_other_paths_outside_v1_answer_multiple_choices(api):
    r = httpx.get(api.url + "/whatever")
    assert r.status_code == 300
    choice = r.json()["choices"][0]
    assert choice["links"][0]["href"] == api.url + "/v1/whatever"


@pytest.mark.parametrize("prefix", ["", "/0a1b"])
def test_version_by_id_is_the_v1_document(api, prefix):
    # noauth2: the token names the caller's project, which the URL's prefix must match.
    r = httpx.get(f"{api.v1}{prefix}/versions/v1.0", headers={"X-Auth-Token": "u:0a1b"})
    assert r.status_code == 200
    assert r.json() == httpx.get(api.url + "/v1/").json()
    assert r.json()["version"]["links"][0] == {"rel": "self", "href": api.url + "/v1/"}


@pytest.mark.parametrize("version_id", ["v1", "v2.0", "v1.0.0", "%00", "x" * 300])
def test_other_version_ids_are_not_found(client, version_id):
    r = client.get(f"/versions/{version_id}")
    assert fault(r) == ("itemNotFound", 404, "The resource could not be found.")


@pytest.mark.parametrize(
    ("header", "served"),
    [
        (None, "1.0"),
        ("instance-ha 1.1", "1.1"),
        ("instance-ha 1.3", "1.3"),
        ("instance-ha latest", "1.3"),
        ("INSTANCE-HA 1.2", "1.2"),
        ("compute 2.1, instance-ha 1.2", "1.2"),
        ("compute 2.95", "1.0"),
    ],
)
def test_microversion_negotiation(client, header, served):
    r = client.get("/segments", headers={"OpenStack-API-Version": header} if header else {})
    assert r.status_code == 200
    assert r.headers["OpenStack-API-Version"] == f"instance-ha {served}"
    assert r.headers["Vary"] == "OpenStack-API-Version"


@pytest.mark.parametrize("value", ["1", "1.a", "01.1", "1.01", "v1.1", " .3"])
def test_malformed_microversion_is_400(client, value):
    r = client.get("/segments", headers={"OpenStack-API-Version": f"instance-ha {value}"})
    assert r.status_code == 400
    name, code, message = fault(r)
    assert (name, code) == ("badRequest", 400)
    assert "is of invalid format" in message


@pytest.mark.parametrize("value", ["1.4", "2.0", "99.0"])
def test_out_of_range_microversion_is_406(client, value):
    r = client.get("/segments", headers={"OpenStack-API-Version": f"instance-ha {value}"})
    assert r.status_code == 406
    assert fault(r) == (
        "masakariFault",
        406,
        f"Version {value} is not supported by the API. Minimum is 1.0 and maximum is 1.3.",
    )


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/"),
        ("GET", "/v1"),
        ("GET", "/v1/segments"),
        ("GET", "/v1/segments/not-a-uuid"),
        ("POST", "/v1/segments"),
        ("PATCH", "/v1/segments"),
        ("GET", "/healthcheck"),
    ],
)
def test_every_response_carries_request_id_version_and_vary(api, method, path):
    r = httpx.request(method, api.url + path)
    assert re.fullmatch(r"req-[0-9a-f-]{36}", r.headers["x-openstack-request-id"])
    assert r.headers["OpenStack-API-Version"].startswith("instance-ha ")
    assert r.headers["Vary"] == "OpenStack-API-Version"


def test_request_ids_differ(client):
    ids = {client.get("/segments").headers["x-openstack-request-id"] for _ in range(3)}
    assert len(ids) == 3


def test_link_prefix_rewrites_version_links(tmp_path):
    from tests.unit.api.live import live_api, make_conf

    conf = make_conf(osapi_masakari_link_prefix="https://ha.example.net/instance-ha")
    with live_api(f"sqlite:///{tmp_path}/p.sqlite", conf=conf) as live:
        r = httpx.get(live.url + "/")
    assert r.json()["versions"][0]["links"][0]["href"] == ("https://ha.example.net/instance-ha/v1/")


@pytest.mark.parametrize("path", ["/", "/healthcheck"])
def test_unversioned_endpoints_ignore_the_header(api, path):
    r = httpx.get(api.url + path, headers={"OpenStack-API-Version": "instance-ha 9.x"})
    assert r.status_code == 200
