"""The only place that speaks to Nova.

``NovaClient`` (in ``client.py``) wraps openstacksdk with a keystoneauth
session built from ``[nova]``. Everything else in masakari-lite calls these
methods and sees only the small value types and errors below.
"""

from masakari_lite.compute.errors import (
    ComputeConflict,
    ComputeError,
    ComputeNotFound,
    ComputeUnavailable,
)
from masakari_lite.compute.types import Aggregate, Migration, Server, Service

__all__ = [
    "Aggregate",
    "ComputeConflict",
    "ComputeError",
    "ComputeNotFound",
    "ComputeUnavailable",
    "Migration",
    "Server",
    "Service",
]
