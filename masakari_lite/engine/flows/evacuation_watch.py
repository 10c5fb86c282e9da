"""One watcher per host-failure flow: its evacuations confirmed in batches.

Polling ``GET /servers/{id}`` per instance costs Nova one request per
evacuation per tick; dozens of them eat the CPU of the very control plane
that is rebuilding the servers. Instead, the flow's evacuate threads hand
their wait to this watcher, and one thread reads for all of them:

- moves: one ``os-migrations`` list (the failed host's evacuations) per round;
  a server is fetched on its own only once its newest migration is final.
  Now and then (backing off) one listing of the failed host stands in for the
  migration records, so an instance Nova keeps no usable record for (or one
  deleted meanwhile) is still seen;
- power states: one ``servers/detail?host=`` listing per destination host.

Each waiter keeps its own deadline and its own ``done``/``fail`` judgement, as
:meth:`Job.poll` does; only the reading is shared.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from masakari_lite import logcontext
from masakari_lite.compute.errors import ComputeError, ComputeNotFound, ComputeUnavailable
from masakari_lite.engine.claims import LostClaim
from masakari_lite.engine.runner import Job, PollTimeout, RecoveryFailed, poll_interval

LOG = logging.getLogger(__name__)

# Migration statuses after which Nova does no more work for that evacuation.
FINAL_MIGRATION = frozenset({"done", "completed", "failed", "error", "cancelled"})
# A batch serves every waiter of its kind, so it need not run as often as the
# youngest waiter's backoff alone would ask.
MIN_ROUND = 0.1

# This many moves seen final on one destination in one round: list that host.
BURST = 3

MOVED = "moved"
STATE = "state"


@dataclass(eq=False)
class _Waiter:
    instance_id: str
    kind: str
    host: str | None  # STATE: the host to list
    done: Callable[[Any], bool]
    fail: Callable[[Any], str | None] | None
    on_migration: Callable[[Any], None] | None
    deadline: float
    what: str
    timeout: float
    registered: float = field(default_factory=time.monotonic)
    next_due: float = 0.0
    interval: float = MIN_ROUND  # the gap to next_due when it was set
    fallback_at: float = 0.0
    fallback_gap: float = 0.0
    individually: bool = False  # its migration is final: fetch the server itself
    settled: threading.Event = field(default_factory=threading.Event)
    result: Any = None
    error: BaseException | None = None


class EvacuationWatch:
    """Batched confirmation for the evacuations of one failed host."""

    def __init__(self, job: Job, failed_host: str):
        self.job = job
        self.failed_host = failed_host
        self._cond = threading.Condition()
        self._waiters: list[_Waiter] = []
        self._thread: threading.Thread | None = None
        # False once Nova refused to list migrations: every move is then read alone.
        self._migrations_usable = True
        self.calls: dict[str, int] = defaultdict(int)  # what the batching saved, for logs

    # --- the evacuate threads' side

    def wait_moved(
        self,
        instance_id: str,
        done: Callable[[Any], bool],
        timeout: float,
        what: str,
        fail: Callable[[Any], str | None] | None = None,
        on_migration: Callable[[Any], None] | None = None,
    ):
        """Block until the evacuated server is ``done``; the server then."""
        return self._wait(
            _Waiter(instance_id, MOVED, None, done, fail, on_migration, 0.0, what, timeout)
        )

    def wait_state(
        self, instance_id: str, host: str, done: Callable[[Any], bool], timeout: float, what: str
    ):
        """Block until the server (expected on ``host``) is ``done``; the server then."""
        return self._wait(_Waiter(instance_id, STATE, host, done, None, None, 0.0, what, timeout))

    def _wait(self, w: _Waiter):
        self.job.check()
        verify = self.job.conf.verify_interval
        w.deadline = w.registered + w.timeout
        # Not at once: evacuations issued together then share their first read.
        w.next_due = w.registered + MIN_ROUND
        w.fallback_gap = max(5 * verify, MIN_ROUND)
        w.fallback_at = w.registered + w.fallback_gap
        with self._cond:
            self._waiters.append(w)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="evacuation-watch", daemon=True
                )
                self._thread.start()
            self._cond.notify_all()
        try:
            while not w.settled.wait(0.5):
                if self.job.lost.is_set() or self.job.stopping.is_set():
                    self._settle(w, error=LostClaim(self.job.notification.uuid))
                elif time.monotonic() > w.deadline + 60:
                    # the watcher is stuck in a call to Nova: do not outlive the deadline by much
                    self._settle(w, error=self._timeout(w))
            if w.error is not None:
                raise w.error
            return w.result
        finally:
            with self._cond:
                if w in self._waiters:
                    self._waiters.remove(w)

    def _settle(self, w: _Waiter, result: Any = None, error: BaseException | None = None) -> None:
        with self._cond:
            if w.settled.is_set():
                return
            w.result, w.error = result, error
            w.settled.set()

    @staticmethod
    def _timeout(w: _Waiter) -> PollTimeout:
        return PollTimeout(f"Timed out after {w.timeout}s waiting for {w.what}.")

    # --- the watcher thread

    def _run(self) -> None:
        logcontext.bind_notification(self.job.notification.uuid)
        try:
            while True:
                with self._cond:
                    live = [w for w in self._waiters if not w.settled.is_set()]
                    if not live:
                        self._thread = None
                        return
                    wait = min(w.next_due for w in live) - time.monotonic()
                    if wait > 0:
                        self._cond.wait(wait)
                        continue
                if self.job.lost.is_set() or self.job.stopping.is_set():
                    for w in live:
                        self._settle(w, error=LostClaim(self.job.notification.uuid))
                    continue
                self._round(live)
        except BaseException as exc:  # never leave a waiter blocked on a dead watcher
            LOG.exception("evacuation watcher for %s failed", self.failed_host)
            with self._cond:
                self._thread = None
                waiters = list(self._waiters)
            for w in waiters:
                self._settle(w, error=RecoveryFailed(f"Evacuation watcher failed: {exc}"))

    def _round(self, live: list[_Waiter]) -> None:
        now = time.monotonic()
        # Waiters half-way to their next read join this one: a batch costs the
        # same for one as for all, and waiters registered a little apart would
        # otherwise each bring their own round.
        due = [
            w
            for w in live
            if w.next_due <= now or (not w.individually and w.next_due - w.interval / 2 <= now)
        ]
        alone: list[_Waiter] = []
        by_host: dict[str, list[_Waiter]] = defaultdict(list)
        moved = [w for w in due if w.kind == MOVED]
        if moved:
            alone += self._read_moves(moved, now, by_host)
        for w in due:
            if w.kind == STATE and w.host:
                by_host[w.host].append(w)
            elif w.kind == STATE:
                alone.append(w)
        for host, waiters in by_host.items():
            try:
                servers = self._list_host(host)
            except ComputeError as exc:  # as Job.poll would have raised it to each
                for w in waiters:
                    self._settle(w, error=exc)
                continue
            if servers is None:
                continue
            for w in waiters:
                if w.instance_id in servers:
                    self._judge(w, servers[w.instance_id])
                else:  # moved on, or gone: ask for it by id
                    alone.append(w)
        for w in alone:
            if w.settled.is_set():
                continue
            try:
                server = self._call("server", lambda i=w.instance_id: self.job.nova.get_server(i))
            except ComputeError as exc:  # ComputeNotFound: deleted meanwhile
                self._settle(w, error=exc)
                continue
            if server is not None:
                self._judge(w, server)
        now = time.monotonic()
        verify = self.job.conf.verify_interval
        for w in due:
            if w.settled.is_set():
                continue
            if now >= w.deadline:
                self._settle(w, error=self._timeout(w))
                continue
            w.interval = poll_interval(now - w.registered, verify)
            if not w.individually:
                # One read serves every waiter: it may come twice as often
                # and still cost Nova a fraction of per-server polling.
                w.interval /= 2
            w.interval = max(MIN_ROUND, w.interval)
            w.next_due = now + w.interval

    def _read_moves(
        self, moved: list[_Waiter], now: float, listed: dict[str, list[_Waiter]]
    ) -> list[_Waiter]:
        """Judge what the batch readings tell; return the waiters to fetch one by one.

        Waiters best read from a listing of their destination go into ``listed``.
        """
        landed_on: dict[str | None, list[_Waiter]] = defaultdict(list)
        alone = [w for w in moved if w.individually or not self._migrations_usable]
        pending = [w for w in moved if w not in alone]
        if not pending:
            return alone
        newest = self._newest_migrations()
        if newest is None and not self._migrations_usable:
            return alone + pending
        for w in pending:
            mig = newest.get(w.instance_id) if newest is not None else None
            if mig is not None and w.on_migration is not None:
                w.on_migration(mig)
            if mig is not None and mig.status in FINAL_MIGRATION:
                w.individually = True
                alone.append(w)
                landed_on[mig.dest_compute].append(w)
        # Evacuations often end in bursts: several that landed on one host are
        # read with one listing of it rather than one GET each.
        for dest, waiters in landed_on.items():
            if dest and dest != self.failed_host and len(waiters) >= BURST:
                listed.setdefault(dest, []).extend(waiters)
                alone = [w for w in alone if w not in waiters]
        fallback = [w for w in pending if not w.individually and now >= w.fallback_at]
        if fallback:
            for w in fallback:
                w.fallback_gap *= 2
                w.fallback_at = now + w.fallback_gap
            try:
                on_host = self._list_host(self.failed_host)
            except ComputeError:
                LOG.warning("Could not list host %s", self.failed_host, exc_info=True)
                on_host = None
                alone.extend(fallback)
            if on_host is not None:
                for w in fallback:
                    if w.instance_id in on_host:
                        self._judge(w, on_host[w.instance_id])
                    else:  # left the failed host (or was deleted): read it by id
                        alone.append(w)
        return alone

    def _newest_migrations(self) -> dict[str, Any] | None:
        if not self._migrations_usable:
            return None
        try:
            found = self._call(
                "migrations",
                lambda: self.job.nova.list_migrations(
                    source_compute=self.failed_host, migration_type="evacuation"
                ),
            )
        except ComputeNotFound:
            found = None
        except ComputeError as exc:
            LOG.warning("Nova lists no migrations (%s): confirming evacuations one by one", exc)
            self._migrations_usable = False
            return None
        if found is None:
            return None
        newest: dict[str, Any] = {}
        for mig in found:
            kept = newest.get(mig.instance_id)
            if kept is None or _order(mig) > _order(kept):
                newest[mig.instance_id] = mig
        return newest

    def _list_host(self, host: str) -> dict[str, Any] | None:
        servers = self._call("host", lambda: self.job.nova.list_servers_on_host(host))
        return None if servers is None else {s.id: s for s in servers}

    def _call(self, what: str, fetch: Callable[[], Any]) -> Any:
        """One read of Nova through the flow's poll gate; None while Nova is unavailable."""
        self.calls[what] += 1
        try:
            with self.job.poll_gate:
                return fetch()
        except ComputeUnavailable:
            LOG.warning("%s: Nova unavailable while confirming evacuations", self.failed_host)
            return None

    def _judge(self, w: _Waiter, server: Any) -> None:
        try:
            if w.done(server):
                self._settle(w, result=server)
            elif w.fail is not None and (reason := w.fail(server)):
                self._settle(w, error=RecoveryFailed(reason))
        except Exception as exc:  # fail() may raise its own RecoveryFailed subclass
            self._settle(w, error=exc)


def _order(mig: Any) -> tuple[int, str]:
    """Nova's migration ids grow with time; fall back to text for a non-numeric one."""
    try:
        return int(mig.id), ""
    except (TypeError, ValueError):
        return -1, str(mig.id)
