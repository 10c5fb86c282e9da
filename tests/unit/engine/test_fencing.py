"""Fencing drivers, with a stand-in ``ipmitool`` executable (a real process boundary)."""

from __future__ import annotations

import json
import os
import stat

import pytest

from masakari_lite.engine.fencing import load_driver
from masakari_lite.engine.fencing.ipmi import parse_control_attributes
from tests.unit.engine.support import make_conf

# A BMC in a file: `chassis power off` turns it off after `delay` status reads,
# every call is logged with the password it saw in IPMI_PASSWORD.
FAKE_IPMITOOL = """#!{python}
import json, os, sys
state_path = {state!r}
state = json.load(open(state_path))
args = sys.argv[1:]
state["calls"].append({{"args": args, "password": os.environ.get("IPMI_PASSWORD")}})
code, out = 0, ""
if state.get("broken"):
    code, out = 1, "Error: Unable to establish IPMI v2 / RMCP+ session"
elif args[-3:] == ["chassis", "power", "off"]:
    state["off_after"] = state.get("delay", 0)
    out = "Chassis Power Control: Down/Off"
elif args[-3:] == ["chassis", "power", "status"]:
    left = state.get("off_after")
    if left is not None and left <= 0:
        out = "Chassis Power is off"
    else:
        if left is not None:
            state["off_after"] = left - 1
        out = "Chassis Power is on"
json.dump(state, open(state_path, "w"))
print(out, file=sys.stderr if code else sys.stdout)
sys.exit(code)
"""


@pytest.fixture
def bmc(tmp_path, monkeypatch):
    state = tmp_path / "bmc.json"
    state.write_text(json.dumps({"calls": [], "delay": 2}))
    tool = tmp_path / "bin" / "ipmitool"
    tool.parent.mkdir()
    import sys

    tool.write_text(FAKE_IPMITOOL.format(python=sys.executable, state=str(state)))
    tool.chmod(tool.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{tool.parent}{os.pathsep}{os.environ['PATH']}")

    class Bmc:
        def read(self):
            return json.loads(state.read_text())

        def set(self, **values):
            data = self.read()
            data.update(values)
            state.write_text(json.dumps(data))

    return Bmc()


def test_noop_trusts_only_a_normal_host_status():
    driver = load_driver(make_conf())
    assert not driver.can_power_off
    assert driver.fence("h", "", "NORMAL", print).confirmed
    assert not driver.fence("h", "", "UNKNOWN", print).confirmed
    assert not driver.fence("h", "", None, print).confirmed


def test_ipmi_powers_off_and_waits_for_the_bmc_to_say_off(bmc, tmp_path):
    creds = tmp_path / "bmcs.json"
    creds.write_text(
        json.dumps({"compute-1": {"address": "10.0.0.5", "username": "admin", "password": "s3"}})
    )
    conf = make_conf(**{"fencing.driver": "ipmi", "fencing.ipmi_credentials_file": str(creds)})
    driver = load_driver(conf)
    messages = []
    result = driver.fence("compute-1", "", "UNKNOWN", messages.append)
    assert result.confirmed, result.message
    calls = bmc.read()["calls"]
    actions = [" ".join(c["args"][-3:]) for c in calls]
    assert actions == [
        "chassis power off",
        "chassis power status",
        "chassis power status",
        "chassis power status",
    ]
    first = calls[0]["args"]
    assert first[:9] == ["-I", "lanplus", "-H", "10.0.0.5", "-p", "623", "-U", "admin", "-E"]
    assert "s3" not in " ".join(first), "the password must not be on the command line"
    assert {c["password"] for c in calls} == {"s3"}
    assert messages and "10.0.0.5" in messages[0]


def test_ipmi_reads_control_attributes_when_the_file_has_no_entry(bmc):
    conf = make_conf(**{"fencing.driver": "ipmi"})
    result = load_driver(conf).fence(
        "compute-2", "address=10.0.0.7,username=root password=pw", "UNKNOWN", print
    )
    assert result.confirmed
    args = bmc.read()["calls"][0]["args"]
    assert args[args.index("-H") + 1] == "10.0.0.7"


def test_ipmi_reports_unconfirmed_when_the_bmc_fails_or_stays_on(bmc):
    conf = make_conf(**{"fencing.driver": "ipmi", "fencing.power_off_timeout": 1})
    driver = load_driver(conf)
    bmc.set(broken=True)
    result = driver.fence("h", '{"address": "10.0.0.9"}', "UNKNOWN", print)
    assert not result.confirmed and "Unable to establish" in result.message
    bmc.set(broken=False, delay=10**6)
    result = driver.fence("h", '{"address": "10.0.0.9"}', "UNKNOWN", print)
    assert not result.confirmed and "still reports" in result.message
    assert not driver.fence("h", "", "NORMAL", print).confirmed, "no address, no fencing"


def test_control_attributes_formats():
    assert parse_control_attributes('{"address": "a"}') == {"address": "a"}
    assert parse_control_attributes("address=a, username=b") == {"address": "a", "username": "b"}
    assert parse_control_attributes("") == {}
