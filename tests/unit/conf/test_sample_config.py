"""The committed sample config is what oslo-config-generator makes of the code today."""

from __future__ import annotations

import pathlib
import shutil
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[3]
GENERATOR_CONF = ROOT / "etc" / "masakari-lite" / "masakari-lite-config-generator.conf"
SAMPLE = ROOT / "etc" / "masakari-lite" / "masakari-lite.conf.sample"


def _generator() -> list[str]:
    exe = shutil.which("oslo-config-generator", path=str(pathlib.Path(sys.executable).parent))
    return [exe] if exe else [sys.executable, "-m", "oslo_config.generator"]


def test_committed_sample_config_is_current(tmp_path):
    out = tmp_path / "sample.conf"
    subprocess.run(
        [*_generator(), "--config-file", str(GENERATOR_CONF), "--output-file", str(out)],
        check=True,
        cwd=ROOT,
        capture_output=True,
        timeout=120,
    )
    assert out.read_text() == SAMPLE.read_text(), (
        "etc/masakari-lite/masakari-lite.conf.sample is stale: run `tox -e genconfig`"
    )


def test_sample_lists_every_group_we_register():
    text = SAMPLE.read_text()
    for group in ("[DEFAULT]", "[database]", "[nova]", "[host_failure]", "[instance_failure]"):
        assert group in text
    assert "#masakari_api_listen_port = 15868" in text
    assert "#auth_strategy = keystone" in text
    assert "#evacuate_all_instances = false" in text
