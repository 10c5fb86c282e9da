"""masakari-lite's API on a real port, on SQLite, PostgreSQL and MariaDB, checking host names
with the real NovaClient against the cloud simulator (password auth through its Keystone)."""

from __future__ import annotations

import pytest

from tests.unit.api.live import live_api, make_conf


def nova_conf_file(tmp_path, sim) -> str:
    creds = sim.sdk_config(password=True)
    ini = tmp_path / "api.conf"
    ini.write_text(
        "[DEFAULT]\nauth_strategy = noauth2\n"
        "[nova]\nauth_type = password\n"
        f"auth_url = {creds['auth_url']}\nusername = {creds['username']}\n"
        f"password = {creds['password']}\nproject_name = {creds['project_name']}\n"
        "user_domain_id = default\nproject_domain_id = default\nregion_name = RegionOne\n"
    )
    return str(ini)


@pytest.fixture(params=["sqlite", "postgresql", "mysql"])
def real_api(request, tmp_path, cloudsim_session):
    db_url = request.getfixturevalue(
        {"sqlite": "sqlite_url", "postgresql": "pg_url", "mysql": "mysql_url"}[request.param]
    )
    conf = make_conf(nova_conf_file(tmp_path, cloudsim_session))
    with live_api(db_url, conf=conf, nova=None) as live:
        live.sim = cloudsim_session
        yield live
