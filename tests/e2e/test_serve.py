"""``masakari-lite serve --with-cloudsim`` as a real process, driven with openstacksdk."""

from __future__ import annotations

import datetime as dt
import re
import signal
import time

import httpx
import openstack
import pytest

from tests.e2e.serving import serving

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    state = tmp_path_factory.mktemp("serve")
    with serving(state, f"[DEFAULT]\nstate_path = {state}\nverify_interval = 0.2\n") as served:
        yield served


def test_banner_says_how_to_reach_it(served):
    assert f"export OS_AUTH_TYPE=none OS_ENDPOINT={served.endpoint}" in served.banner
    assert f'openstack.connect(auth_type="none", auth={{"endpoint": "{served.endpoint}"}})' in (
        served.banner
    )
    assert "noauth2" in served.banner


def test_the_simulated_keystone_catalog_leads_to_the_api(served):
    # What a devstack clouds.yaml holds: Keystone and a user, no endpoint of ours.
    conn = openstack.connect(
        auth_url=served.identity_url,
        username="demo",
        password="demo",
        project_name="demo",
        user_domain_id="default",
        project_domain_id="default",
    )
    assert conn.instance_ha.get_endpoint() == served.endpoint
    assert "its catalog lists this API as instance-ha" in served.banner
    seg = conn.instance_ha.create_segment(
        name="seg-catalog", recovery_method="auto", service_type="COMPUTE"
    )
    assert seg.uuid in {s.uuid for s in served.sdk().instance_ha.segments()}
    conn.instance_ha.delete_segment(seg.uuid)


def test_a_host_failure_is_recovered_end_to_end(served):
    ha = served.sdk().instance_ha
    segment = ha.create_segment(name="seg-serve", recovery_method="auto", service_type="COMPUTE")
    for host in ("host1", "host2", "host3"):
        ha.create_host(segment.uuid, name=host, type="COMPUTE", control_attributes="SSH")
    state = httpx.get(f"{served.sim_url}/_sim/state", params={"servers": "1"}).json()
    tagged = {
        s["id"]
        for s in state["servers"]
        if s["host"] == "host1" and s["metadata"].get("HA_Enabled") == "True"
    }
    assert tagged, "the simulator's cloud should have HA-tagged instances on host1"
    httpx.post(f"{served.sim_url}/_sim/hosts/host1/fail").raise_for_status()
    n = ha.create_notification(
        type="COMPUTE_HOST",
        hostname="host1",
        generated_time=dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat(),
        payload={"event": "STOPPED", "cluster_status": "OFFLINE", "host_status": "NORMAL"},
    )
    deadline = time.monotonic() + 60
    while (status := ha.get_notification(n.notification_uuid).status) not in (
        "finished",
        "failed",
        "ignored",
    ):
        assert time.monotonic() < deadline, f"still {status}"
        time.sleep(0.3)
    assert status == "finished"
    moves = list(ha.vmoves(n.notification_uuid))
    assert {m.server_id for m in moves} == tagged
    assert {m.status for m in moves} == {"succeeded"}
    after = httpx.get(f"{served.sim_url}/_sim/state", params={"servers": "1"}).json()
    landed = {s["id"]: s for s in after["servers"] if s["id"] in tagged}
    assert all(s["host"] in ("host2", "host3") and s["status"] == "ACTIVE" for s in landed.values())


def _sample(text: str, name: str, **labels: str) -> float | None:
    for line in text.splitlines():
        if not line.startswith(name + "{") and not line.startswith(name + " "):
            continue
        if all(f'{k}="{v}"' in line for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return None


def test_metrics_show_the_recovery(served):
    # Runs after the host failure above (module order).
    r = httpx.get(f"{served.url}/metrics")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/plain")
    text = r.text
    assert _sample(text, "masakari_lite_notifications", type="COMPUTE_HOST", status="finished") == 1
    assert _sample(text, "masakari_lite_claims_total", result="won", source="rpc") >= 1
    assert (
        _sample(
            text,
            "masakari_lite_recovery_duration_seconds_count",
            flow="COMPUTE_HOST",
            outcome="finished",
        )
        == 1
    )
    instances = _sample(
        text,
        "masakari_lite_instance_recovery_duration_seconds_count",
        flow="COMPUTE_HOST",
        outcome="succeeded",
    )
    assert instances is not None and instances >= 1
    assert _sample(text, "masakari_lite_evacuations_in_flight") == 0
    assert _sample(text, "masakari_lite_sweeper_runs_total") >= 1


def test_sigterm_stops_cleanly(served):
    served.proc.send_signal(signal.SIGTERM)
    assert served.proc.wait(30) == 0
    log = served.log_path.read_text()
    assert "Traceback" not in log
    assert re.search(r"Engine \S+ stopped", log)
    with pytest.raises(httpx.ConnectError):
        httpx.get(served.url + "/healthcheck", timeout=2)
