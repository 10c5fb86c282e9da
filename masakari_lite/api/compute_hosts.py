"""Which host names are Nova compute hosts, for host create and rename.

Upstream asks Nova once per host created, authenticating each time. Hosts are
usually added to a segment in a burst, so one listing of the nova-compute
services answers the whole burst: a name seen in a listing younger than
``nova_compute_host_cache_seconds`` is known without a call. A name not in
the listing is always asked of Nova again before a 400, so a compute host
that registered a moment ago is never refused.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Protocol

from masakari_lite.compute.types import Service
from masakari_lite.db import errors

# A miss within this long of the last listing asks for the one name instead of
# listing again, so a stream of bad names cannot turn into a stream of listings.
_RELIST_AFTER = 1.0


class ComputeServices(Protocol):
    """The Nova calls the API makes (NovaClient has them)."""

    def compute_host_names(self) -> set[str]: ...

    def find_compute_service(self, host: str) -> Service | None: ...


class ComputeHostNames:
    def __init__(self, compute: Callable[[], ComputeServices], ttl: float):
        self._compute = compute
        self._ttl = ttl
        self._lock = threading.Lock()
        self._expiry: dict[str, float] = {}
        self._listed_at = float("-inf")

    def known(self, name: str) -> bool:
        """Whether ``name`` was a compute host in a listing still fresh (no Nova call)."""
        return self._expiry.get(name, 0.0) > time.monotonic()

    def check(self, name: str) -> None:
        """400 unless Nova has a nova-compute service called ``name`` (blocks on Nova)."""
        if self._ttl <= 0:
            self._ask(name)
            return
        if self.known(name):
            return
        with self._lock:  # one listing at a time; the others then find their name in it
            if self.known(name):
                return
            if time.monotonic() - self._listed_at >= _RELIST_AFTER:
                names = self._compute().compute_host_names()
                self._listed_at = time.monotonic()
                expiry = self._listed_at + self._ttl
                # Replaced, not merged: a host Nova no longer has drops out.
                self._expiry = dict.fromkeys(names, expiry)
                if name in names:
                    return
        self._ask(name)
        with self._lock:
            self._expiry[name] = time.monotonic() + self._ttl

    def _ask(self, name: str) -> None:
        if self._compute().find_compute_service(name) is None:
            raise errors.BadRequest(f"Compute service with name {name} could not be found.")
