"""GET /metrics on the API: Prometheus text, no token, notification counts read from SQL."""

from __future__ import annotations

import datetime as dt
import uuid

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.unit.api.live import live_api


def _counts(text: str) -> dict[tuple[str, str], float]:
    for family in text_string_to_metric_families(text):
        if family.name == "masakari_lite_notifications":
            return {(s.labels["type"], s.labels["status"]): s.value for s in family.samples}
    raise AssertionError("masakari_lite_notifications is missing")


def _notification(client: httpx.Client, type_: str, payload: dict) -> None:
    body = {
        "notification": {
            "type": type_,
            "hostname": "metrics-host",
            "generated_time": dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat(),
            "payload": payload,
        }
    }
    client.post("/notifications", json=body).raise_for_status()


def test_metrics_count_notifications_by_type_and_status(tmp_path):
    with live_api(f"sqlite:///{tmp_path}/metrics.sqlite") as api:
        with httpx.Client(base_url=api.v1, timeout=30) as client:
            seg = client.post(
                "/segments",
                json={"segment": {"name": "m", "recovery_method": "auto", "service_type": "C"}},
            ).json()["segment"]
            client.post(
                f"/segments/{seg['uuid']}/hosts",
                json={
                    "host": {"name": "metrics-host", "type": "COMPUTE", "control_attributes": "SSH"}
                },
            ).raise_for_status()
            for _ in range(2):
                _notification(
                    client,
                    "VM",
                    {
                        "event": "LIFECYCLE",
                        "instance_uuid": str(uuid.uuid4()),
                        "vir_domain_event": "STOPPED_FAILED",
                    },
                )
            _notification(client, "PROCESS", {"event": "STOPPED", "process_name": "nova-compute"})
        # No token at all, outside /v1: a Prometheus scraper's request.
        r = httpx.get(api.url + "/metrics")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/plain; version=")
    counts = _counts(r.text)
    assert counts[("VM", "new")] == 2
    assert counts[("PROCESS", "new")] == 1
    assert ("COMPUTE_HOST", "new") not in counts
    # The engine-side families are exported by the same registry.
    names = {f.name for f in text_string_to_metric_families(r.text)}
    assert {
        "masakari_lite_claims",
        "masakari_lite_sweeper_runs",
        "masakari_lite_recovery_duration_seconds",
        "masakari_lite_instance_recovery_duration_seconds",
        "masakari_lite_evacuations_in_flight",
    } <= names
