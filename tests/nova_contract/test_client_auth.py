"""NovaClient's Keystone use against the real-Nova harness (password auth, catalog).

Not a backend contract: the harness counts the tokens its Keystone stand-in
issues, which is what these tests measure.
"""

from __future__ import annotations

import pytest
from keystoneauth1 import loading as ks_loading
from oslo_config import cfg

from masakari_lite.compute import ComputeError
from masakari_lite.compute.client import get_client, reset_clients
from masakari_lite.conf import nova as nova_conf


def _password_conf(realnova, user: str = "admin", **overrides) -> cfg.ConfigOpts:
    conf = cfg.ConfigOpts()
    nova_conf.register_opts(conf)
    conf([], project="masakari-lite-auth")
    # keystoneauth registers a plugin's options when it loads it; a config file
    # would be read then, set_override needs them now.
    conf.register_opts(ks_loading.get_auth_plugin_conf_options("password"), group="nova")
    for name, value in {
        "auth_type": "password",
        "auth_url": realnova.identity_url,
        "username": user,
        "password": "secret",
        "project_name": "admin",
        "user_domain_id": "default",
        "project_domain_id": "default",
        "region_name": "RegionOne",
        **overrides,
    }.items():
        conf.set_override(name, value, "nova")
    return conf


@pytest.fixture(autouse=True)
def _fresh_clients():
    reset_clients()
    yield
    reset_clients()


def test_one_token_for_many_calls(realnova):
    conf = _password_conf(realnova)
    before = realnova.info()
    client = get_client(conf)
    assert get_client(conf) is client
    for _ in range(10):
        assert client.find_compute_service("host1") is not None
        client.list_servers_on_host("host1")
    after = realnova.info()
    assert after["tokens_issued"] - before["tokens_issued"] == 1
    assert after["nova_requests"] - before["nova_requests"] >= 20


def test_token_cache_seconds_bounds_reuse(realnova):
    conf = _password_conf(realnova, token_cache_seconds=0)
    before = realnova.info()["tokens_issued"]
    client = get_client(conf)
    for _ in range(5):
        client.find_compute_service("host1")
    assert realnova.info()["tokens_issued"] - before >= 5


def test_non_admin_is_refused_by_nova_policy(realnova):
    client = get_client(_password_conf(realnova, user="demo"))
    with pytest.raises(ComputeError) as err:
        client.find_compute_service("host1")
    assert err.value.status_code == 403


def test_no_compute_endpoint_in_region(realnova):
    client = get_client(_password_conf(realnova, region_name="Nowhere"))
    with pytest.raises(ComputeError) as err:
        client.max_microversion()
    assert "endpoint" in str(err.value).lower()
