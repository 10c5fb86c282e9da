"""The one runner of recovery flows: named steps, checkpoints, polls, outcomes.

A flow is a plain function calling ``job.step(name, fn, ...)`` in order. A
step recorded as SUCCESS for this notification is skipped and its recorded
result returned, so a resumed attempt continues where the last one stopped;
the step that was running when an engine died runs again, which is why every
step reads Nova before it acts.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from oslo_config import cfg
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from masakari_lite.compute.errors import ComputeUnavailable
from masakari_lite.db.models import Host, RecoveryStep
from masakari_lite.db.session import session_scope
from masakari_lite.db.states import StepState
from masakari_lite.engine.claims import Claim, Claims, LostClaim

LOG = logging.getLogger(__name__)


class Outcome(Exception):  # noqa: N818 - these are outcomes, not errors
    """A flow's early end with a final status and message."""


class Finish(Outcome):
    """Nothing (more) to do: the notification is ``finished``."""


class Ignore(Outcome):
    """Not ours to recover: the notification is ``ignored``."""


class RecoveryFailed(Exception):
    """The recovery failed: the notification is ``error`` (and retried)."""


class PollTimeout(RecoveryFailed):
    pass


@dataclass
class HostInfo:
    uuid: str
    name: str
    type: str
    reserved: bool
    on_maintenance: bool
    control_attributes: str
    segment_uuid: str


@dataclass
class SegmentInfo:
    uuid: str
    name: str
    enabled: bool
    recovery_method: str


@dataclass
class NotificationInfo:
    uuid: str
    type: str
    payload: dict
    source_host_uuid: str
    generated_time: dt.datetime | None
    status: str = "running"


def _timestamp() -> str:
    # upstream writes str(utcnow()): "YYYY-MM-DD HH:MM:SS.ffffff"
    return str(dt.datetime.now(dt.UTC).replace(tzinfo=None))


def poll_interval(waited: float, verify_interval: float) -> float:
    """Seconds to the next poll: a tenth of the wait so far, within [0.05, verify_interval].

    A state reached after waiting T is then seen by about 1.1 T, whatever T
    is, with O(log T) polls early on and one per verify_interval later.
    """
    return min(verify_interval, max(0.05, waited / 10))


class Progress:
    """A step's timestamped messages and its result, as recovery_workflow_details shows them.

    The worker is the only writer while it holds the claim, so the list in
    memory is authoritative; each write replaces the stored list. ``lazy``
    messages (one per instance) are written with the next flush rather than
    one row rewrite each.
    """

    def __init__(self, job: Job, name: str, details: list, result: dict):
        self.job = job
        self.name = name
        self.details = details
        self.result = result
        self.progress = 0.0
        self._lock = threading.Lock()
        self._dirty = False

    def log(self, message: str, progress: float | None = None, lazy: bool = False) -> None:
        with self._lock:
            if progress is not None:
                self.progress = progress
            self.details.append(
                {"timestamp": _timestamp(), "progress": self.progress, "message": message}
            )
            self._dirty = True
        LOG.info("%s [%s] %s", self.job.notification.uuid, self.name, message)
        if not lazy:
            self.flush()

    def remember(self, s: Session, **values: Any) -> None:
        """Store values in the step's result inside the caller's transaction."""
        with self._lock:
            self.result.update(values)
        self._write(s, state=None)

    def flush(self, s: Session | None = None) -> None:
        if s is not None:
            self._write(s, state=None)
            return
        with self.job.tx() as s:
            self._write(s, state=None)

    def _write(self, s: Session, state: StepState | None) -> None:
        with self._lock:
            values: dict = {
                "details": json.dumps(self.details),
                "progress": self.progress,
                "result": json.dumps(self.result),
            }
            self._dirty = False
        if state is not None:
            values["state"] = state
        s.execute(
            update(RecoveryStep)
            .where(
                RecoveryStep.notification_uuid == self.job.notification.uuid,
                RecoveryStep.name == self.name,
            )
            .values(**values)
            .execution_options(synchronize_session=False)
        )

    @property
    def dirty(self) -> bool:
        return self._dirty


@dataclass
class Job:
    """One claimed notification being recovered, and what its steps need."""

    claims: Claims
    claim: Claim
    notification: NotificationInfo
    host: HostInfo | None
    segment: SegmentInfo | None
    nova: Any
    conf: cfg.ConfigOpts
    fencing: Any = None
    lost: threading.Event = field(default_factory=threading.Event)
    # Polls of one flow share a few connections: dozens of evacuations polling
    # at once would otherwise queue up on Nova's API and slow every one of them.
    poll_gate: threading.Semaphore | None = None
    stopping: threading.Event = field(default_factory=threading.Event)
    _position: int = 0
    _open: list[Progress] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.poll_gate is None:
            self.poll_gate = threading.Semaphore(self.conf.nova_polls_in_flight)

    @property
    def url(self) -> str | None:
        return self.claims.url

    @property
    def payload(self) -> dict:
        return self.notification.payload

    def check(self) -> None:
        """Raise LostClaim when the claim is gone or the engine is stopping."""
        if self.lost.is_set() or self.stopping.is_set():
            raise LostClaim(self.notification.uuid)

    @contextlib.contextmanager
    def tx(self) -> Iterator[Session]:
        """A transaction that only commits while the notification is still ours."""
        self.check()
        with session_scope(self.url) as s:
            if not self.claims.guard(s, self.claim):
                self.lost.set()
                raise LostClaim(self.notification.uuid)
            yield s

    def update_host(self, **values: Any) -> None:
        """Set columns of the notification's host row (its maintenance and spare flags)."""
        with self.tx() as s:
            s.execute(
                update(Host)
                .where(Host.uuid == self.host.uuid)
                .values(**values)
                .execution_options(synchronize_session=False)
            )

    def heartbeat(self) -> bool:
        if not self.claims.heartbeat(self.claim):
            self.lost.set()
            return False
        for progress in list(self._open):
            if progress.dirty:
                with contextlib.suppress(LostClaim):
                    progress.flush()
        return True

    # --- steps

    def step(self, name: str, fn: Callable[..., Any], *args: Any) -> Any:
        """Run ``fn(job, progress, *args)`` as the named step, unless it already succeeded."""
        self.check()
        self._position += 1
        with self.tx() as s:
            row = s.execute(
                select(RecoveryStep).where(
                    RecoveryStep.notification_uuid == self.notification.uuid,
                    RecoveryStep.name == name,
                )
            ).scalar_one_or_none()
            if row is not None and row.state == StepState.SUCCESS:
                LOG.info("%s: step %s already done, skipped", self.notification.uuid, name)
                return json.loads(row.result or "{}").get("return")
            if row is None:
                s.add(
                    RecoveryStep(
                        notification_uuid=self.notification.uuid,
                        name=name,
                        position=self._position,
                        state=StepState.RUNNING,
                        progress=0.0,
                        details="[]",
                        attempt=self.claim.attempt,
                        result="{}",
                    )
                )
                details, result = [], {}
            else:
                details = json.loads(row.details or "[]")
                result = json.loads(row.result or "{}")
                s.execute(
                    update(RecoveryStep)
                    .where(RecoveryStep.id == row.id)
                    .values(state=StepState.RUNNING, attempt=self.claim.attempt)
                    .execution_options(synchronize_session=False)
                )
        progress = Progress(self, name, details, result)
        self._open.append(progress)
        try:
            value = fn(self, progress, *args)
        except LostClaim:
            raise
        except Outcome:
            # An early end is the step's conclusion, not its failure.
            progress.result["return"] = None
            self._close(progress, StepState.SUCCESS)
            raise
        except BaseException:
            with contextlib.suppress(LostClaim):
                self._close(progress, StepState.FAILURE)
            raise
        progress.result["return"] = value
        self._close(progress, StepState.SUCCESS)
        return value

    def _close(self, progress: Progress, state: StepState) -> None:
        self._open.remove(progress)
        with self.tx() as s:
            progress._write(s, state=state)

    # --- polling

    def poll(
        self,
        fetch: Callable[[], Any],
        done: Callable[[Any], bool],
        timeout: float,
        what: str,
        fail: Callable[[Any], str | None] | None = None,
    ) -> Any:
        """Read ``fetch()`` until ``done``; PollTimeout at the deadline.

        ``fail`` may name a state that will never turn into ``done``, to stop early.
        Transient Nova outages are polled through.
        """
        started = time.monotonic()
        deadline = started + timeout
        while True:
            self.check()
            try:
                with self.poll_gate:
                    value = fetch()
            except ComputeUnavailable:
                value = None
                LOG.warning(
                    "%s: Nova unavailable while waiting for %s", self.notification.uuid, what
                )
            else:
                if done(value):
                    return value
                if fail is not None and (reason := fail(value)):
                    raise RecoveryFailed(reason)
            now = time.monotonic()
            if now >= deadline:
                raise PollTimeout(f"Timed out after {timeout}s waiting for {what}.")
            if self.stopping.wait(poll_interval(now - started, self.conf.verify_interval)):
                raise LostClaim(self.notification.uuid)
