"""masakari-monitors' own sending code (SendNotification and the instance monitor's
libvirt callback), unmodified, in a subprocess against masakari-lite."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import uuid

import httpx

MONITOR = textwrap.dedent("""
    import sys, uuid
    import masakarimonitors.conf
    from masakarimonitors import config
    from masakarimonitors.ha import masakari
    from masakarimonitors.instancemonitor.libvirt_handler import callback
    from oslo_utils import timeutils

    CONF = masakarimonitors.conf.CONF
    config.parse_args(["monitor", "--config-file", sys.argv[1]])
    sender = masakari.SendNotification()
    event = {"notification": {"type": "PROCESS", "hostname": CONF.hostname,
                              "generated_time": timeutils.utcnow(),
                              "payload": {"event": "STOPPED", "process_name": "nova-compute"}}}
    sender.send_notification(1, 0, event)
    sender.send_notification(1, 0, event)  # a duplicate: 409, dropped without retry
    callback.Callback().libvirt_event_callback(
        "LIFECYCLE", "STOPPED_FAILED", sys.argv[2], "VM", CONF.hostname, timeutils.utcnow())
    unknown = {"notification": {"type": "COMPUTE_HOST", "hostname": "not-registered",
                                "generated_time": timeutils.utcnow(),
                                "payload": {"event": "STOPPED", "host_status": "NORMAL",
                                            "cluster_status": "OFFLINE"}}}
    sender.send_notification(1, 0, unknown)  # 400, dropped
""")


def test_monitors_notifications_are_accepted(real_api, tmp_path):
    with httpx.Client(base_url=real_api.v1) as c:
        seg = c.post(
            "/segments",
            json={"segment": {"name": "mon", "recovery_method": "auto", "service_type": "COMPUTE"}},
        ).json()
        c.post(
            f"/segments/{seg['segment']['uuid']}/hosts",
            json={"host": {"name": "host1", "type": "COMPUTE", "control_attributes": "SSH"}},
        )
    conf = tmp_path / "monitor.conf"
    conf.write_text(
        "[DEFAULT]\nhostname = host1\n"
        f"[api]\nauth_type = none\nendpoint = {real_api.v1}\nregion = RegionOne\n"
        "[callback]\nretry_max = 1\nretry_interval = 0\n"
    )
    instance = str(uuid.uuid4())
    proc = subprocess.run(
        [sys.executable, "-c", MONITOR, str(conf), instance],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    with httpx.Client(base_url=real_api.v1) as c:
        got = c.get("/notifications", params={"sort_key": "id", "sort_dir": "asc"}).json()
    kinds = [(n["type"], n["payload"]) for n in got["notifications"]]
    assert kinds == [
        ("PROCESS", {"event": "STOPPED", "process_name": "nova-compute"}),
        (
            "VM",
            {"event": "LIFECYCLE", "instance_uuid": instance, "vir_domain_event": "STOPPED_FAILED"},
        ),
    ]
    assert len(real_api.rung(2)) == 2
