"""Options keep upstream's names and defaults, and the [nova] group loads keystoneauth."""

from __future__ import annotations

from keystoneauth1 import loading as ks_loading
from oslo_config import cfg

from masakari_lite.conf import api, database, default, engine, nova


def _conf(tmp_path, text: str = "") -> cfg.ConfigOpts:
    conf = cfg.ConfigOpts()
    for module in (default, api, database, engine, nova):
        module.register_opts(conf)
    path = tmp_path / "c.conf"
    path.write_text(text)
    conf(["--config-file", str(path)], project="masakari-lite")
    return conf


def test_upstream_defaults(tmp_path):
    conf = _conf(tmp_path)
    assert conf.auth_strategy == "keystone"
    assert conf.masakari_api_listen == "0.0.0.0"
    assert conf.masakari_api_listen_port == 15868
    assert conf.duplicate_notification_detection_interval == 180
    assert conf.osapi_max_limit == 1000
    assert conf.wait_period_after_evacuation == 90
    assert conf.host_failure.ha_enabled_instance_metadata_key == "HA_Enabled"
    assert conf.instance_failure.process_all_instances is False
    assert conf.oslo_middleware.max_request_body_size == 114688


def test_database_default_is_sqlite_under_state_path(tmp_path):
    conf = _conf(tmp_path, f"[DEFAULT]\nstate_path = {tmp_path}/st\n")
    assert conf.database.connection == f"sqlite:///{tmp_path}/st/masakari-lite.sqlite"


def test_upstream_masakari_conf_sections_carry_over(tmp_path):
    conf = _conf(
        tmp_path,
        "[DEFAULT]\nauth_strategy = noauth2\nhost_failure_recovery_threads = 7\n"
        "[host_failure]\nevacuate_all_instances = True\n"
        "[instance_failure]\nha_enabled_instance_metadata_key = VM_HA\n",
    )
    assert conf.auth_strategy == "noauth2"
    assert conf.host_failure_recovery_threads == 7
    assert conf.host_failure.evacuate_all_instances is True
    assert conf.instance_failure.ha_enabled_instance_metadata_key == "VM_HA"


def test_bad_choice_is_rejected(tmp_path):
    conf = _conf(tmp_path, "[DEFAULT]\nauth_strategy = basic\n")
    try:
        conf.auth_strategy  # noqa: B018 - oslo.config validates on access
    except (cfg.ConfigFileValueError, ValueError) as exc:
        assert "basic" in str(exc)
    else:
        raise AssertionError("auth_strategy = basic was accepted")


def test_nova_none_auth_with_endpoint_override(tmp_path):
    conf = _conf(
        tmp_path, "[nova]\nauth_type = none\nendpoint_override = http://127.0.0.1:8774/v2.1\n"
    )
    plugin = ks_loading.load_auth_from_conf_options(conf, "nova")
    session = ks_loading.load_session_from_conf_options(conf, "nova", auth=plugin)
    adapter = ks_loading.load_adapter_from_conf_options(conf, "nova", session=session)
    assert adapter.get_endpoint() == "http://127.0.0.1:8774/v2.1"


def test_nova_password_auth_options(tmp_path):
    conf = _conf(
        tmp_path,
        "[nova]\nauth_type = password\nauth_url = http://ks/identity/v3\nusername = masakari\n"
        "password = secret\nproject_name = service\nuser_domain_name = Default\n"
        "project_domain_name = Default\nregion_name = RegionOne\ninterface = internal\n",
    )
    plugin = ks_loading.load_auth_from_conf_options(conf, "nova")
    assert plugin.auth_url == "http://ks/identity/v3"
    assert conf.nova.region_name == "RegionOne"
