"""`masakari-lite-manage check` tells an operator what is wrong, one line per part."""

from __future__ import annotations

import subprocess
import sys

from masakari_lite.db import migration


def _check(conf_file) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "masakari_lite.cmd.manage",
            "--config-file",
            str(conf_file),
            "check",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )


def _write_conf(tmp_path, db_url, transport, nova_url, extra="") -> str:
    path = tmp_path / "masakari-lite.conf"
    path.write_text(
        f"[DEFAULT]\nstate_path = {tmp_path}\ntransport_url = {transport}\n"
        f"[database]\nconnection = {db_url}\n"
        f"[nova]\nauth_type = none\nendpoint_override = {nova_url}\ntimeout = 5\n{extra}"
    )
    return path


def test_everything_in_order_passes(tmp_path, pg_url, rabbit_url, cloudsim):
    migration.upgrade(pg_url)
    conf = _write_conf(tmp_path, pg_url, rabbit_url, cloudsim.compute_url)
    result = _check(conf)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert [line.split("]")[0] for line in lines] == ["[OK  "] * 4
    assert any(line.startswith("[OK  ] database: reachable, schema at head") for line in lines)
    assert any("RabbitMQ at 127.0.0.1:5672 answers" in line for line in lines)
    assert any(line.startswith("[OK  ] nova: Nova answers") for line in lines)


def test_each_broken_part_is_named(tmp_path, sqlite_url, cloudsim):
    policy = tmp_path / "policy.yaml"
    policy.write_text('"os_masakari_api:segments:index": "role:admin"\n"no_such_rule": "@"\n')
    conf = _write_conf(
        tmp_path,
        sqlite_url,  # never synced
        "rabbit://guest:guest@127.0.0.1:1/",  # nothing listens on port 1
        "http://127.0.0.1:1/v2.1",
        extra=f"[oslo_policy]\npolicy_file = {policy}\n",
    )
    result = _check(conf)
    assert result.returncode == 1
    out = result.stdout
    assert "[FAIL] database: schema is at nothing" in out
    assert "run `masakari-lite-manage db sync`" in out
    assert "[FAIL] broker: cannot reach 127.0.0.1:1" in out
    assert "[FAIL] nova: Nova does not answer" in out
    assert "[FAIL] policy: the policy file names unknown rules: no_such_rule" in out


def test_unparsable_policy_file_fails(tmp_path, sqlite_url, cloudsim):
    migration.upgrade(sqlite_url)
    policy = tmp_path / "policy.yaml"
    policy.write_text("{this is: [not yaml\n")
    conf = _write_conf(
        tmp_path,
        sqlite_url,
        "fake://",
        cloudsim.compute_url,
        extra=f"[oslo_policy]\npolicy_file = {policy}\n",
    )
    result = _check(conf)
    assert result.returncode == 1
    assert "[FAIL] policy: the policy file cannot be used" in result.stdout
    assert "[OK  ] broker: in-process transport" in result.stdout
