"""Prometheus metrics shared by the API and the engine, served at /metrics.

Counters and histograms are updated where the work happens; the notification
counts by type and status are read from SQL at scrape time, so every API
replica reports the same truth whichever engine did the work.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily

REGISTRY = CollectorRegistry(auto_describe=True)

_DURATION_BUCKETS = (1, 2, 5, 10, 20, 30, 60, 90, 120, 180, 300, 600, 1200, float("inf"))

RECOVERY_SECONDS = Histogram(
    "masakari_lite_recovery_duration_seconds",
    "Time from claim to the final status of one notification's recovery.",
    ["flow", "outcome"],
    buckets=_DURATION_BUCKETS,
    registry=REGISTRY,
)
INSTANCE_RECOVERY_SECONDS = Histogram(
    "masakari_lite_instance_recovery_duration_seconds",
    "Time to recover one instance (evacuate and confirm, or stop and start).",
    ["flow", "outcome"],
    buckets=_DURATION_BUCKETS,
    registry=REGISTRY,
)
EVACUATIONS_IN_FLIGHT = Gauge(
    "masakari_lite_evacuations_in_flight",
    "Evacuations issued to Nova and not yet confirmed, in this process.",
    registry=REGISTRY,
)
CLAIMS = Counter(
    "masakari_lite_claims_total",
    "Claim attempts on notifications, by how they ended.",
    ["result", "source"],
    registry=REGISTRY,
)
SWEEPER_RUNS = Counter(
    "masakari_lite_sweeper_runs_total",
    "Runs of the engine's sweeper.",
    registry=REGISTRY,
)


class NotificationCountCollector:
    """Notifications by type and status, counted in SQL when scraped."""

    def __init__(self, session_factory):
        self._session_factory = session_factory

    def collect(self):
        from sqlalchemy import func, select

        from masakari_lite.db.models import Notification

        family = GaugeMetricFamily(
            "masakari_lite_notifications",
            "Stored notifications by type and status.",
            labels=["type", "status"],
        )
        try:
            with self._session_factory() as session:
                rows = session.execute(
                    select(Notification.type, Notification.status, func.count())
                    .where(Notification.deleted == 0)
                    .group_by(Notification.type, Notification.status)
                ).all()
        except Exception:  # a scrape must not fail because the database blinked
            rows = []
        for type_, status, count in rows:
            family.add_metric([type_, status], count)
        yield family


_counts: NotificationCountCollector | None = None


def register_notification_counts(session_factory) -> None:
    """Count notifications through ``session_factory`` at scrape time.

    One collector per process; a later call (another app in the same process,
    as in tests) points it at the newer database.
    """
    global _counts
    if _counts is None:
        _counts = NotificationCountCollector(session_factory)
        REGISTRY.register(_counts)
    else:
        _counts._session_factory = session_factory
