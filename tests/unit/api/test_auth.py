"""Policy (oslo.policy, upstream names, admin-only) and the keystone auth strategy."""

from __future__ import annotations

import httpx
import pytest

from masakari_lite.api.context import RequestContext
from masakari_lite.api.policy import Authorizer, list_rules
from masakari_lite.db import errors
from tests.unit.api.helpers import fault
from tests.unit.api.live import live_api, make_conf

API_RULES = sorted(
    r.name
    for r in list_rules()
    if r.name.startswith("os_masakari_api:") and not r.name.startswith("os_masakari_api:versions")
)


def test_upstream_rule_names_are_registered():
    names = {r.name for r in list_rules()}
    assert {
        "context_is_admin",
        "admin_or_owner",
        "admin_api",
        "os_masakari_api:segments:index",
        "os_masakari_api:os-hosts:update",
        "os_masakari_api:notifications:create",
        "os_masakari_api:vmoves:detail",
        "os_masakari_api:extensions:index",
        "os_masakari_api:versions:index",
    } <= names


@pytest.mark.parametrize("rule", API_RULES)
def test_every_api_rule_is_admin_only(rule):
    authorizer = Authorizer(make_conf())
    member = RequestContext(user_id="u", project_id="p", roles=["member", "reader"])
    member.is_admin = authorizer.is_admin(member)
    admin = RequestContext(user_id="a", project_id="p", roles=["admin", "member"])
    admin.is_admin = authorizer.is_admin(admin)
    assert admin.is_admin and not member.is_admin
    authorizer.authorize(admin, rule)
    with pytest.raises(errors.Forbidden, match=f"Policy doesn't allow {rule} to be performed."):
        authorizer.authorize(member, rule)


def test_policy_file_overrides_and_schema_comes_first(tmp_path):
    policy = tmp_path / "policy.yaml"
    policy.write_text(
        '"os_masakari_api:segments:create": "!"\n"os_masakari_api:segments:index": "role:reader"\n'
    )
    ini = tmp_path / "api.conf"
    ini.write_text(f"[DEFAULT]\nauth_strategy = noauth2\n[oslo_policy]\npolicy_file = {policy}\n")
    conf = make_conf(str(ini))
    with live_api(f"sqlite:///{tmp_path}/p.sqlite", conf=conf) as live:
        with httpx.Client(base_url=live.v1) as c:
            r = c.post("/segments", json={"segment": {"name": "a"}})
            assert r.status_code == 400  # a bad body is a 400 even for a caller policy refuses
            r = c.post(
                "/segments",
                json={"segment": {"name": "a", "recovery_method": "auto", "service_type": "C"}},
            )
            assert r.status_code == 403
            assert fault(r) == (
                "forbidden",
                403,
                "Policy doesn't allow os_masakari_api:segments:create to be performed.",
            )
            r = c.get("/segments")
            assert r.status_code == 403  # noauth2 callers have the admin role only
            assert c.get("/notifications").status_code == 200


@pytest.fixture(scope="module")
def keystone_api(tmp_path_factory):
    # A Keystone that is never reached: requests without a valid-looking token are
    # refused by auth_token before it would ask.
    tmp = tmp_path_factory.mktemp("ks")
    ini = tmp / "api.conf"
    ini.write_text(
        "[DEFAULT]\nauth_strategy = keystone\n"
        "[keystone_authtoken]\nwww_authenticate_uri = http://127.0.0.1:9/v3\n"
        "auth_url = http://127.0.0.1:9/v3\nauth_type = password\n"
        "delay_auth_decision = false\n"
    )
    with live_api(f"sqlite:///{tmp}/k.sqlite", conf=make_conf(str(ini))) as live:
        yield live


@pytest.mark.parametrize(
    "path", ["/v1/segments", "/v1/notifications", "/v1/0123abcd/segments", "/v1/extensions"]
)
def test_keystone_mode_without_token_is_401(keystone_api, path):
    r = httpx.get(keystone_api.url + path)
    assert r.status_code == 401
    assert "Keystone uri" in r.headers.get("www-authenticate", "")
    assert r.headers["x-openstack-request-id"].startswith("req-")


def test_keystone_mode_spoofed_identity_headers_are_still_401(keystone_api):
    r = httpx.get(
        keystone_api.url + "/v1/segments",
        headers={
            "X-Identity-Status": "Confirmed",
            "X-Roles": "admin",
            "X-User-Id": "u",
            "X-Project-Id": "p",
        },
    )
    assert r.status_code == 401


@pytest.mark.parametrize("path", ["/", "/healthcheck"])
def test_keystone_mode_discovery_and_health_are_public(keystone_api, path):
    assert httpx.get(keystone_api.url + path).status_code == 200


@pytest.mark.parametrize("path", ["/v1", "/v1/"])
def test_keystone_mode_v1_version_document_needs_a_token(keystone_api, path):
    """As upstream, /v1 sits behind auth_token; only / is open for discovery."""
    assert httpx.get(keystone_api.url + path).status_code == 401
