"""python-masakariclient's `openstack segment|notification` commands, as a subprocess.

The commands go to one `openstack` process on stdin (its interactive mode) to
spare an interpreter start per command; every call carries microversion 1.3.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
import uuid

OPENSTACK = os.path.join(os.path.dirname(sys.executable), "openstack")


def run_batch(v1: str, commands: list[str]) -> list:
    """Run the commands in one `openstack` process; the JSON document each one printed."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    proc = subprocess.run(
        [OPENSTACK, "--os-auth-type", "none", "--os-endpoint", v1],
        input="\n".join(commands) + "\n",
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    # Interactive mode prints each result after a prompt; JSON values start at column 0.
    docs, decoder, out, pos = [], json.JSONDecoder(), proc.stdout, 0
    for match in re.finditer(r"^[\[{]", out, re.M):
        if match.start() < pos:
            continue
        value, end = decoder.raw_decode(out, match.start())
        docs.append(value)
        pos = end
    assert len(docs) == len(commands), (proc.stdout, proc.stderr)
    return docs


def run_one(v1: str, *args: str):
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    proc = subprocess.run(
        [OPENSTACK, "--os-auth-type", "none", "--os-endpoint", v1, *args, "-f", "json"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_segment_host_and_notification_commands(real_api):
    seg_name, host = f"cli-{uuid.uuid4().hex[:8]}", "host3"
    created, shown, hosted, hosts, updated = run_batch(
        real_api.v1,
        [
            f"segment create {seg_name} auto COMPUTE --description cli -f json",
            f"segment show {seg_name} -f json",
            f"segment host create {host} COMPUTE SSH {seg_name} --reserved True -f json",
            f"segment host list {seg_name} -f json",
            f"segment update {seg_name} --is_enabled False -f json",
        ],
    )
    assert created["name"] == seg_name and created["recovery_method"] == "auto"
    assert shown["uuid"] == created["uuid"]
    assert hosted["reserved"] is True and hosted["failover_segment_id"] == created["uuid"]
    assert [h["name"] for h in hosts] == [host]
    assert updated["is_enabled"] is False

    now = dt.datetime.utcnow().strftime("%Y-%m-%dT%H:%M:%S.%f")
    notified = run_one(
        real_api.v1,
        "notification",
        "create",
        "PROCESS",
        host,
        now,
        '{"event": "STOPPED", "process_name": "nova-compute"}',
    )
    assert notified["status"] == "new" and notified["recovery_workflow_details"] == []
    listed, deleted = run_batch(
        real_api.v1,
        [
            "notification list -f json",
            f"segment host show {seg_name} {host} -f json",
        ],
    )
    assert notified["notification_uuid"] in {n["notification_uuid"] for n in listed}
    assert deleted["name"] == host
