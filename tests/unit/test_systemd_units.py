"""The systemd units in etc/systemd/ start commands that exist, and systemd accepts them."""

from __future__ import annotations

import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
UNITS = sorted((ROOT / "etc" / "systemd").glob("*.service"))


def directives(path: Path) -> dict[str, str]:
    """Key → last value, as systemd resolves a key given once."""
    values: dict[str, str] = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith(("#", ";", "[")) and "=" in line:
            key, value = line.split("=", 1)
            values[key.strip()] = value.strip()
    return values


def test_there_is_one_unit_for_the_api_and_one_for_the_engine():
    assert [u.name for u in UNITS] == ["masakari-lite-api.service", "masakari-lite-engine.service"]


@pytest.mark.parametrize("unit", UNITS, ids=lambda u: u.stem)
def test_unit_runs_its_console_script_with_the_config_file(unit):
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    d = directives(unit)
    exe, *args = d["ExecStart"].split()
    assert Path(exe).name == unit.stem
    assert unit.stem in scripts
    assert args == ["--config-file", "/etc/masakari-lite/masakari-lite.conf"]
    assert d["User"] == "masakari-lite"
    assert d["Restart"] == "on-failure"
    assert "network-online.target" in d["After"]


@pytest.mark.parametrize("unit", UNITS, ids=lambda u: u.stem)
def test_systemd_accepts_the_unit(unit, tmp_path):
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed")
    # verify also checks that ExecStart's binary exists; it is not installed
    # system-wide here, so point it at one that is.
    exe = directives(unit)["ExecStart"].split()[0]
    copy = tmp_path / unit.name
    copy.write_text(unit.read_text().replace(exe, shutil.which("true") or "/bin/true"))
    result = subprocess.run(
        ["systemd-analyze", "verify", str(copy)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "Unknown key" not in result.stderr and "Unknown lvalue" not in result.stderr
