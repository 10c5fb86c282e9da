"""GET /metrics: Prometheus text format, outside /v1 and without auth, like /healthcheck.

Unauthenticated because Prometheus scrapers carry no Keystone token; it shows
counts and durations only (no names, no ids). Keep it off public networks
(bind the scrape to the management network or filter it at the load balancer).
"""

from __future__ import annotations

from fastapi import APIRouter
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.responses import Response

from masakari_lite.metrics import REGISTRY

router = APIRouter(tags=["metrics"])


@router.get("/metrics", include_in_schema=False)
def metrics() -> Response:
    # A sync route: the notification counts are a SQL query, run off the event loop.
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)
