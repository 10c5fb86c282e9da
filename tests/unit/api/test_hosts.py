"""Hosts: nested routes, the Nova name check, string booleans, uniqueness, in-use rules."""

from __future__ import annotations

import uuid

import pytest

from tests.unit.api.helpers import fault, make_host, make_segment, notify, unique


def test_create_with_string_booleans_embeds_the_segment(client, api):
    seg = make_segment(client)
    name = unique("compute")
    r = client.post(
        f"/segments/{seg['uuid']}/hosts",
        json={
            "host": {
                "name": name,
                "type": "COMPUTE",
                "control_attributes": "SSH",
                "reserved": "True",
                "on_maintenance": "False",
            }
        },
    )
    assert r.status_code == 201, r.text
    host = r.json()["host"]
    assert host["reserved"] is True and host["on_maintenance"] is False
    assert host["failover_segment_id"] == seg["uuid"]
    assert host["failover_segment"] == client.get(f"/segments/{seg['uuid']}").json()["segment"]
    assert set(host) >= {
        "id",
        "uuid",
        "name",
        "type",
        "control_attributes",
        "created_at",
        "updated_at",
        "deleted_at",
        "deleted",
    }
    assert name in api.nova.asked


def test_show_update_delete(client):
    seg = make_segment(client)
    host = make_host(client, seg["uuid"])
    base = f"/segments/{seg['uuid']}/hosts/{host['uuid']}"
    assert client.get(base).json()["host"] == host
    r = client.put(base, json={"host": {"on_maintenance": "True", "reserved": False}})
    assert r.status_code == 200
    assert r.json()["host"]["on_maintenance"] is True and r.json()["host"]["reserved"] is False
    assert client.delete(base).status_code == 204
    r = client.get(base)
    assert r.status_code == 404
    assert fault(r)[2] == (
        f"Host '{host['uuid']}' under failover_segment '{seg['uuid']}' could not be found."
    )


def test_host_of_another_segment_is_not_found(client):
    a, b = make_segment(client), make_segment(client)
    host = make_host(client, a["uuid"])
    assert client.get(f"/segments/{b['uuid']}/hosts/{host['uuid']}").status_code == 404
    r = client.get(f"/segments/{a['uuid']}/hosts/not-a-uuid")
    assert r.status_code == 404 and fault(r)[2] == "No host with id not-a-uuid."


def test_unknown_segment(client):
    missing = str(uuid.uuid4())
    for method, body in (
        ("GET", None),
        ("POST", {"host": {"name": unique(), "type": "C", "control_attributes": "x"}}),
    ):
        r = client.request(method, f"/segments/{missing}/hosts", json=body)
        assert r.status_code == 404
        assert fault(r)[2] == f"No failover segment with id {missing}."


def test_name_unknown_to_nova_is_400(client):
    seg = make_segment(client)
    name = unique("ghost")
    r = client.post(
        f"/segments/{seg['uuid']}/hosts",
        json={"host": {"name": name, "type": "C", "control_attributes": "x"}},
    )
    assert r.status_code == 400
    assert fault(r)[2] == f"Compute service with name {name} could not be found."
    host = make_host(client, seg["uuid"])
    r = client.put(f"/segments/{seg['uuid']}/hosts/{host['uuid']}", json={"host": {"name": name}})
    assert r.status_code == 400


def test_nova_unreachable_is_503(client):
    seg = make_segment(client)
    r = client.post(
        f"/segments/{seg['uuid']}/hosts",
        json={"host": {"name": unique("nova-down"), "type": "C", "control_attributes": "x"}},
    )
    assert r.status_code == 503
    name, _, message = fault(r)
    assert name == "serviceUnavailable" and "Nova" in message


def test_names_are_unique_across_segments(client):
    a, b = make_segment(client), make_segment(client)
    host = make_host(client, a["uuid"])
    r = client.post(
        f"/segments/{b['uuid']}/hosts",
        json={"host": {"name": host["name"], "type": "C", "control_attributes": "x"}},
    )
    assert r.status_code == 409
    assert fault(r) == ("conflictingRequest", 409, f"Host with name {host['name']} already exists.")
    other = make_host(client, b["uuid"])
    r = client.put(
        f"/segments/{b['uuid']}/hosts/{other['uuid']}", json={"host": {"name": host["name"]}}
    )
    assert r.status_code == 409


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("type", None),
        ("control_attributes", None),
        ("type", "COMPUTE_HOST"),
        ("type", "a" * 256),
        ("reserved", "maybe"),
        ("on_maintenance", 2),
        ("name", "\ttab"),
    ],
)
def test_invalid_fields_are_400(client, field, value):
    seg = make_segment(client)
    body = {"name": unique(), "type": "COMPUTE", "control_attributes": "x", field: value}
    r = client.post(f"/segments/{seg['uuid']}/hosts", json={"host": body})
    assert r.status_code == 400, r.text
    assert fault(r)[0] == "badRequest"
    host = make_host(client, seg["uuid"])
    r = client.put(f"/segments/{seg['uuid']}/hosts/{host['uuid']}", json={"host": {field: value}})
    assert r.status_code == 400, r.text


def test_null_type_message(client):
    seg = make_segment(client)
    r = client.post(
        f"/segments/{seg['uuid']}/hosts",
        json={"host": {"name": unique(), "type": None, "control_attributes": "x"}},
    )
    assert fault(r)[2] == (
        "Invalid input for field/attribute type. Value: None. None is not of type 'string'"
    )


def test_busy_segment_blocks_every_host_update_and_delete(client):
    seg = make_segment(client)
    failing, bystander = make_host(client, seg["uuid"]), make_host(client, seg["uuid"])
    assert notify(client, failing["name"]).status_code == 202
    for host in (failing, bystander):
        base = f"/segments/{seg['uuid']}/hosts/{host['uuid']}"
        r = client.put(base, json={"host": {"on_maintenance": False}})
        assert r.status_code == 409
        assert fault(r)[2] == (
            f"Host {host['uuid']} can't be updated as it is in-use to process notifications."
        )
        r = client.delete(base)
        assert r.status_code == 409
        assert fault(r)[2] == (
            f"Host {host['uuid']} can't be deleted as it is in-use to process notifications."
        )
    # Creating a host in a busy segment is allowed, as upstream allows it.
    make_host(client, seg["uuid"])


def test_list_filters(client):
    seg = make_segment(client)
    plain = make_host(client, seg["uuid"], type="COMPUTE")
    spare = make_host(client, seg["uuid"], type="SPARE", reserved=True)
    down = make_host(client, seg["uuid"], type="COMPUTE", on_maintenance="yes")
    base = f"/segments/{seg['uuid']}/hosts"

    def uuids(**params):
        r = client.get(base, params=params)
        assert r.status_code == 200, r.text
        return {h["uuid"] for h in r.json()["hosts"]}

    assert uuids() == {plain["uuid"], spare["uuid"], down["uuid"]}
    assert uuids(type="SPARE") == {spare["uuid"]}
    assert uuids(reserved="True") == {spare["uuid"]}
    assert uuids(on_maintenance="False") == {plain["uuid"], spare["uuid"]}
    assert uuids(on_maintenance="1", reserved="f") == {down["uuid"]}
    assert uuids(name=plain["name"]) == {plain["uuid"]}
    assert uuids(failover_segment_id="ignored") == {plain["uuid"], spare["uuid"], down["uuid"]}
    r = client.get(base, params={"reserved": "perhaps"})
    assert r.status_code == 400 and fault(r)[2].startswith("Invalid value for reserved")
    r = client.get(base, params={"limit": 1, "sort_key": "name", "sort_dir": "asc"})
    assert len(r.json()["hosts"]) == 1
