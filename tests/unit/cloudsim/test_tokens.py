"""Keystone tokens expire after `token_lifetime`, as Keystone's do."""

from __future__ import annotations

import time
from datetime import datetime

import httpx


def _issue(sim, **identity) -> str:
    body = {
        "auth": {
            "identity": identity,
            "scope": {"project": {"name": "admin", "domain": {"id": "default"}}},
        }
    }
    resp = httpx.post(f"{sim.identity_url}/auth/tokens", json=body)
    assert resp.status_code == 201, resp.text
    return resp.headers["X-Subject-Token"]


def _password(sim) -> str:
    user = {"name": "admin", "domain": {"id": "default"}, "password": "admin"}
    return _issue(sim, methods=["password"], password={"user": user})


def test_an_expired_token_gets_401_from_nova_and_404_from_keystone(cloudsim_factory):
    sim = cloudsim_factory(hosts=1, instances_per_host=0)
    sim.configure(token_lifetime=0.5)
    token = _password(sim)
    rescoped = _issue(sim, methods=["token"], token={"id": token})
    servers = f"{sim.compute_url}/servers"
    assert httpx.get(servers, headers={"X-Auth-Token": token}).status_code == 200
    time.sleep(0.6)
    for expired in (token, rescoped):  # the rescoped one expires with its parent
        resp = httpx.get(servers, headers={"X-Auth-Token": expired})
        assert resp.status_code == 401, resp.text
    fresh = _password(sim)
    resp = httpx.get(
        f"{sim.identity_url}/auth/tokens",
        headers={"X-Auth-Token": fresh, "X-Subject-Token": token},
    )
    assert resp.status_code == 404
    resp = httpx.get(
        f"{sim.identity_url}/auth/tokens",
        headers={"X-Auth-Token": token, "X-Subject-Token": fresh},
    )
    assert resp.status_code == 401
    assert httpx.get(servers, headers={"X-Auth-Token": fresh}).status_code == 200


def test_tokens_live_a_day_by_default(cloudsim_factory):
    sim = cloudsim_factory(hosts=1, instances_per_host=0)
    token = _password(sim)
    resp = httpx.get(
        f"{sim.identity_url}/auth/tokens",
        headers={"X-Auth-Token": token, "X-Subject-Token": token},
    )
    assert resp.status_code == 200
    body = resp.json()["token"]
    issued, expires = (
        datetime.strptime(body[key], "%Y-%m-%dT%H:%M:%S.%fZ") for key in ("issued_at", "expires_at")
    )
    assert abs((expires - issued).total_seconds() - 24 * 3600) < 5
