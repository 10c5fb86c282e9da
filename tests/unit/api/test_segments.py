"""Failover segments: fields, status codes, validation, uniqueness, listing."""

from __future__ import annotations

import re
import uuid

import pytest

from tests.unit.api.helpers import V12, fault, make_host, make_segment, notify, unique

TS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$")


def test_create_returns_201_with_every_field(client):
    name = unique("seg")
    r = client.post(
        "/segments",
        json={
            "segment": {
                "name": name,
                "recovery_method": "reserved_host",
                "service_type": "COMPUTE",
                "description": "rack A",
            }
        },
    )
    assert r.status_code == 201
    seg = r.json()["segment"]
    assert set(seg) == {
        "id",
        "uuid",
        "name",
        "service_type",
        "enabled",
        "description",
        "recovery_method",
        "created_at",
        "updated_at",
        "deleted_at",
        "deleted",
    }
    assert isinstance(seg["id"], int) and uuid.UUID(seg["uuid"])
    assert (seg["name"], seg["recovery_method"], seg["description"]) == (
        name,
        "reserved_host",
        "rack A",
    )
    assert seg["enabled"] is True and seg["deleted"] is False
    assert TS.match(seg["created_at"]) and seg["updated_at"] is None


def test_show_update_delete(client):
    seg = make_segment(client)
    assert client.get(f"/segments/{seg['uuid']}").json()["segment"] == seg
    r = client.put(f"/segments/{seg['uuid']}", json={"segment": {"description": "new"}})
    assert r.status_code == 200
    assert r.json()["segment"]["description"] == "new"
    assert TS.match(r.json()["segment"]["updated_at"])
    r = client.delete(f"/segments/{seg['uuid']}")
    assert r.status_code == 204 and r.content == b""
    r = client.get(f"/segments/{seg['uuid']}")
    assert r.status_code == 404
    assert fault(r) == ("itemNotFound", 404, f"No failover segment with id {seg['uuid']}.")


@pytest.mark.parametrize("segment_id", ["not-a-uuid", str(uuid.uuid4()), "1"])
def test_unknown_segment_is_404_for_every_method(client, segment_id):
    for method, body in (("GET", None), ("PUT", {"segment": {"name": "x"}}), ("DELETE", None)):
        r = client.request(method, f"/segments/{segment_id}", json=body)
        assert r.status_code == 404, (method, r.text)
        assert fault(r)[0] == "itemNotFound"


def test_duplicate_name_is_409_and_reusable_after_delete(client):
    seg = make_segment(client)
    body = {"segment": {"name": seg["name"], "recovery_method": "auto", "service_type": "X"}}
    r = client.post("/segments", json=body)
    assert r.status_code == 409
    assert fault(r) == (
        "conflictingRequest",
        409,
        f"Failover segment with name {seg['name']} already exists.",
    )
    other = make_segment(client)
    r = client.put(f"/segments/{other['uuid']}", json={"segment": {"name": seg["name"]}})
    assert r.status_code == 409
    client.delete(f"/segments/{seg['uuid']}")
    assert client.post("/segments", json=body).status_code == 201


def test_enabled_only_from_microversion_1_2(client):
    body = {
        "segment": {
            "name": unique(),
            "recovery_method": "auto",
            "service_type": "C",
            "enabled": False,
        }
    }
    r = client.post("/segments", json=body)
    assert r.status_code == 400
    assert "Additional properties are not allowed ('enabled' was unexpected)" in fault(r)[2]
    r = client.post("/segments", json=body, headers=V12)
    assert r.status_code == 201 and r.json()["segment"]["enabled"] is False


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("false", False),
        ("False", False),
        ("0", False),
        ("off", False),
        ("NO", False),
        (False, False),
        ("true", True),
        ("1", True),
        ("YES", True),
        (True, True),
    ],
)
def test_string_booleans_on_update_mean_what_they_say(client, value, expected):
    seg = make_segment(client, enabled=not expected)
    r = client.put(f"/segments/{seg['uuid']}", json={"segment": {"enabled": value}}, headers=V12)
    assert r.status_code == 200
    assert r.json()["segment"]["enabled"] is expected


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (None, "None is not of type 'object'"),
        ({}, "'segment' is a required property"),
        (
            {"segment": {"name": "a", "service_type": "C"}},
            "Invalid input for field/attribute segment. Value: {'name': 'a', 'service_type': 'C'}. "
            "'recovery_method' is a required property",
        ),
        (
            {"segment": {"name": "a", "service_type": "C", "recovery_method": "manual"}},
            "Invalid input for field/attribute recovery_method. Value: manual. "
            "'manual' is not one of ['auto', 'reserved_host', 'auto_priority', 'rh_priority']",
        ),
        (
            {"segment": {"name": " a", "service_type": "C", "recovery_method": "auto"}},
            "An invalid 'name' value was provided. The name must be: printable characters. "
            "Can not start or end with whitespace.",
        ),
        (
            {"segment": {"name": "a\x00b", "service_type": "C", "recovery_method": "auto"}},
            "An invalid 'name' value was provided. The name must be: printable characters. "
            "Can not start or end with whitespace.",
        ),
        (
            {"segment": {"name": "", "service_type": "C", "recovery_method": "auto"}},
            "Invalid input for field/attribute name. Value: . '' should be non-empty",
        ),
        ({"segment": {"name": "a" * 256, "service_type": "C", "recovery_method": "auto"}}, None),
        (
            {"segment": {"name": "a", "service_type": "C", "recovery_method": "auto", "x": 1}},
            "Invalid input for field/attribute segment. Value: {'name': 'a', 'service_type': 'C', "
            "'recovery_method': 'auto', 'x': 1}. Additional properties are not allowed "
            "('x' was unexpected)",
        ),
        (
            {"segment": {"name": "a", "service_type": "C", "recovery_method": "auto"}, "y": 1},
            "Additional properties are not allowed ('y' was unexpected)",
        ),
        (
            {"segment": {"name": 5, "service_type": "C", "recovery_method": "auto"}},
            "Invalid input for field/attribute name. Value: 5. 5 is not of type 'string'",
        ),
        (
            {
                "segment": {
                    "name": "a",
                    "service_type": "C",
                    "recovery_method": "auto",
                    "description": "bell\x07",
                }
            },
            None,
        ),
    ],
)
def test_create_validation_messages(client, body, message):
    r = client.post("/segments", json=body)
    assert r.status_code == 400, r.text
    name, code, text = fault(r)
    assert (name, code) == ("badRequest", 400)
    if message is not None:
        assert text == message


def test_update_needs_at_least_one_field(client):
    seg = make_segment(client)
    r = client.put(f"/segments/{seg['uuid']}", json={"segment": {}})
    assert r.status_code == 400
    assert "is not valid under any of the given schemas" in fault(r)[2]


def test_validation_comes_before_policy_and_lookup(client):
    r = client.put(f"/segments/{uuid.uuid4()}", json={"segment": {"bogus": 1}})
    assert r.status_code == 400


def test_delete_cascades_to_hosts_and_frees_their_names(client):
    seg = make_segment(client)
    host = make_host(client, seg["uuid"])
    assert client.delete(f"/segments/{seg['uuid']}").status_code == 204
    other = make_segment(client)
    again = make_host(client, other["uuid"], name=host["name"])
    assert again["name"] == host["name"]


def test_in_use_segment_refuses_update_and_delete(client):
    seg = make_segment(client)
    host = make_host(client, seg["uuid"])
    assert notify(client, host["name"]).status_code == 202
    r = client.put(f"/segments/{seg['uuid']}", json={"segment": {"enabled": False}}, headers=V12)
    assert r.status_code == 409
    assert fault(r)[2] == (
        f"Failover segment {seg['uuid']} can't be updated as it is in-use to process notifications."
    )
    r = client.delete(f"/segments/{seg['uuid']}")
    assert r.status_code == 409
    assert fault(r)[2] == (
        f"Failover segment ({seg['uuid']}) can't be deleted as it is in-use "
        "to process notifications."
    )


def test_list_filters(client):
    tag = unique("svc")
    a = make_segment(client, service_type=tag, recovery_method="auto")
    b = make_segment(client, service_type=tag, recovery_method="rh_priority", enabled=False)
    listed = client.get("/segments", params={"service_type": tag}).json()["segments"]
    assert {s["uuid"] for s in listed} == {a["uuid"], b["uuid"]}
    for value, expected in (("True", a), ("false", b), ("1", a), ("no", b)):
        listed = client.get("/segments", params={"service_type": tag, "enabled": value})
        assert [s["uuid"] for s in listed.json()["segments"]] == [expected["uuid"]]
    listed = client.get("/segments", params={"service_type": tag, "recovery_method": "auto"})
    assert [s["uuid"] for s in listed.json()["segments"]] == [a["uuid"]]
    r = client.get("/segments", params={"enabled": "maybe"})
    assert r.status_code == 400 and "Invalid value for enabled" in fault(r)[2]


def test_pagination_by_integer_marker_walks_every_row_once(client):
    tag = unique("page")
    made = [make_segment(client, service_type=tag) for _ in range(5)]
    seen, marker = [], None
    while True:
        params = {"service_type": tag, "limit": 2, "sort_key": "name", "sort_dir": "asc"}
        if marker is not None:
            params["marker"] = marker
        page = client.get("/segments", params=params).json()["segments"]
        if not page:
            break
        seen += [s["name"] for s in page]
        marker = page[-1]["id"]
    assert seen == sorted(s["name"] for s in made)


def test_sorting_with_repeated_keys_and_nulls(client):
    tag = unique("sort")
    made = [make_segment(client, service_type=tag, description=d) for d in ("b", None, "a")]
    r = client.get(
        "/segments",
        params=[
            ("service_type", tag),
            ("sort_key", "description"),
            ("sort_dir", "asc"),
            ("sort_key", "id"),
        ],
    )
    got = [s["description"] for s in r.json()["segments"]]
    assert got == [None, "a", "b"]
    r = client.get(
        "/segments",
        params=[("service_type", tag), ("sort_key", "description"), ("sort_dir", "desc")],
    )
    assert [s["description"] for s in r.json()["segments"]] == ["b", "a", None]
    marker = r.json()["segments"][0]["id"]
    r = client.get(
        "/segments",
        params=[
            ("service_type", tag),
            ("sort_key", "description"),
            ("sort_dir", "desc"),
            ("marker", marker),
        ],
    )
    assert [s["description"] for s in r.json()["segments"]] == ["a", None]
    assert len(made) == 3


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"limit": "x"}, "Invalid input received: limit must be an integer"),
        ({"limit": "-1"}, "Invalid input received: limit must be >= 0"),
        ({"page_size": "-1"}, "Invalid input received: page_size must be >= 0"),
        ({"marker": "999999"}, "Marker 999999 could not be found."),
        ({"marker": "abc"}, "Marker abc could not be found."),
        ({"marker": "99999999999999999999"}, "Marker 99999999999999999999 could not be found."),
        ({"sort_key": "nope"}, "Sort key supplied was not valid."),
        ({"sort_key": "owner"}, "Sort key supplied was not valid."),
        (
            {"sort_dir": "up"},
            "Invalid input received: Unknown sort direction, must be 'asc' or 'desc'",
        ),
        (
            [("sort_key", "name"), ("sort_dir", "asc"), ("sort_dir", "desc")],
            "Invalid input received: Sort direction size exceeds sort key size",
        ),
    ],
)
def test_bad_list_parameters_are_400(client, params, message):
    r = client.get("/segments", params=params)
    assert r.status_code == 400
    assert fault(r) == ("badRequest", 400, message)


def test_limit_zero_is_empty_and_unknown_params_are_ignored(client):
    make_segment(client)
    assert client.get("/segments", params={"limit": 0}).json() == {"segments": []}
    assert client.get("/segments", params={"whatever": "1", "limit": 1}).status_code == 200
