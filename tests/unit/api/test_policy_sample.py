"""The committed policy sample is what oslopolicy-sample-generator writes today."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_policy_sample_is_current(tmp_path):
    out = tmp_path / "policy.yaml.sample"
    exe = os.path.join(os.path.dirname(sys.executable), "oslopolicy-sample-generator")
    subprocess.run(
        [exe, "--namespace", "masakari_lite", "--output-file", str(out)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    committed = (ROOT / "etc" / "masakari-lite" / "policy.yaml.sample").read_text()
    assert out.read_text() == committed, (
        "regenerate: oslopolicy-sample-generator --config-file "
        "etc/masakari-lite/masakari-lite-policy-generator.conf"
    )
