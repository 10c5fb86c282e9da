"""``masakari-lite demo`` end to end, as the README's first command runs it (not a TTY)."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow

TAGGED_ON_FAILED_HOST = ("web-2", "db-2", "api-2")
UNTAGGED_ON_FAILED_HOST = ("scratch-2", "build-2")


def _summary_rows(out: str) -> dict[str, str]:
    """instance name -> its line in the summary table (after the 'What happened' title)."""
    summary = out.split("What happened", 1)[1]
    rows = {}
    for line in summary.splitlines():
        cells = [c.strip() for c in line.split("│")]
        if len(cells) > 2 and cells[1]:
            rows[cells[1]] = line
    return rows


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    state = tmp_path_factory.mktemp("demo")
    proc = subprocess.run(
        [sys.executable, "-m", "masakari_lite.cmd.cli", "demo", "--state-dir", str(state)],
        capture_output=True,
        text=True,
        timeout=180,
    )
    return proc, state


def test_demo_exits_zero_with_a_summary(demo):
    proc, _ = demo
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "What happened" in proc.stdout
    # Not a TTY: plain progress lines, no cursor movement.
    assert "\x1b[" not in proc.stdout
    assert re.search(r"\] web-2: evacuating", proc.stdout)


def test_tagged_instances_recovered_untagged_left_alone(demo):
    proc, _ = demo
    rows = _summary_rows(proc.stdout)
    assert "restarted" in rows["db-1"] and "host1 → host1" in rows["db-1"]
    for name in TAGGED_ON_FAILED_HOST:
        assert "evacuated" in rows[name], rows[name]
        assert re.search(r"host2 → host[13]", rows[name]), rows[name]
    for name in UNTAGGED_ON_FAILED_HOST:
        assert "left alone: not tagged HA_Enabled=True" in rows[name], rows[name]
    # Instances on healthy hosts are not in the summary: nothing happened to them.
    assert "web-1" not in rows and "web-3" not in rows


def test_data_impact_follows_the_disk(demo):
    proc, _ = demo
    rows = _summary_rows(proc.stdout)
    assert "boot volume kept" in rows["db-2"]  # volume-backed
    assert "local disk rebuilt from image" in rows["web-2"]  # local ephemeral
    assert "memory lost" in rows["db-1"] and "disks kept" in rows["db-1"]


def test_service_log_carries_request_and_notification_ids(demo):
    proc, state = demo
    log = (state / "masakari-lite.log").read_text()
    access = [line for line in log.splitlines() if "masakari_lite.api.access" in line]
    assert access and all(re.search(r"\[req-[0-9a-f-]{36} ", line) for line in access)
    engine = [
        line
        for line in log.splitlines()
        if "masakari_lite.engine.runner" in line or "Claimed notification" in line
    ]
    assert engine and all(re.search(r"notification=[0-9a-f-]{36}\]", line) for line in engine), (
        engine[:3]
    )
