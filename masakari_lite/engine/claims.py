"""Claims, leases and the per-source-host lock, all as conditional UPDATEs.

A notification belongs to the engine whose ``owner`` and ``attempt`` are on
its row while ``status = running``. Every write the worker makes goes through
``guard()`` first: an UPDATE on that row predicated on ``owner = me`` and the
attempt, which also renews the lease. When it touches zero rows another engine
has taken over and the worker stops quietly.

At most one recovery per source host: ``host_locks`` has one row per source
host, taken in the same transaction as the claim by INSERT (first time) or by
an UPDATE predicated on an expired lease. A separate table because MySQL
cannot UPDATE ``notifications`` with a subquery on ``notifications``.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import and_, insert, or_, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from masakari_lite.db import states
from masakari_lite.db.models import HostLock, Notification, utcnow
from masakari_lite.db.session import session_scope
from masakari_lite.db.states import NotificationStatus as S

LOG = logging.getLogger(__name__)

# A released host lock: any claim may take it.
_RELEASED = dt.datetime(1970, 1, 1)


class LostClaim(Exception):
    """Another engine owns the notification now (our lease expired); stop quietly."""


class _NotWon(Exception):
    """Roll back a claim transaction that did not win."""


@dataclass(frozen=True)
class Claim:
    notification_uuid: str
    source_host_uuid: str
    owner: str
    attempt: int


def _check(src: S, dst: S) -> None:
    if not states.allowed(states.NOTIFICATION_TRANSITIONS, src, dst):
        raise ValueError(f"notification transition {src} -> {dst} is not allowed")


class Claims:
    def __init__(
        self,
        url: str | None,
        owner: str,
        lease_seconds: int,
        max_attempts: int,
        backoff_seconds: int,
        clock: Callable[[], dt.datetime] = utcnow,
    ):
        self.url = url
        self.owner = owner
        self.lease = dt.timedelta(seconds=lease_seconds)
        self.max_attempts = max_attempts
        self.backoff = backoff_seconds
        self.clock = clock

    # --- predicates

    def claimable(self, now: dt.datetime):
        """Rows a claim may take: fresh, orphaned by a dead engine, or due for a retry."""
        return or_(Notification.status == S.NEW, self._resumable(now))

    def _resumable(self, now: dt.datetime):
        """Rows orphaned by a dead engine (lease lapsed) or due for a retry."""
        N = Notification
        return or_(
            and_(N.status == S.RUNNING, N.lease_until < now),
            and_(
                N.status == S.ERROR,
                or_(N.next_attempt_at.is_(None), N.next_attempt_at <= now),
                N.attempt < self.max_attempts,
            ),
        )

    def _mine(self, claim: Claim):
        N = Notification
        return and_(
            N.notification_uuid == claim.notification_uuid,
            N.status == S.RUNNING,
            N.owner == self.owner,
            N.attempt == claim.attempt,
        )

    # --- claim

    def claim(self, notification_uuid: str) -> Claim | None:
        """Take the notification and its source host's lock, or None if someone else has it."""
        for src in (S.NEW, S.RUNNING, S.ERROR):
            _check(src, S.RUNNING)
        now = self.clock()
        try:
            with session_scope(self.url) as s:
                host_uuid = s.scalar(
                    select(Notification.source_host_uuid).where(
                        Notification.notification_uuid == notification_uuid,
                        Notification.deleted == 0,
                    )
                )
                if host_uuid is None or not self._take_host_lock(
                    s, host_uuid, notification_uuid, now
                ):
                    raise _NotWon
                won = s.execute(
                    update(Notification)
                    .where(
                        Notification.notification_uuid == notification_uuid,
                        self.claimable(now),
                    )
                    .values(
                        status=S.RUNNING,
                        owner=self.owner,
                        lease_until=now + self.lease,
                        attempt=Notification.attempt + 1,
                        next_attempt_at=None,
                    )
                    .execution_options(synchronize_session=False)
                )
                if won.rowcount != 1:
                    raise _NotWon  # rolls the host lock back too
                attempt = s.scalar(
                    select(Notification.attempt).where(
                        Notification.notification_uuid == notification_uuid
                    )
                )
        except _NotWon:
            return None
        except DBAPIError:
            # A deadlock or serialization failure under a race: somebody else
            # is claiming; the sweeper looks again later.
            LOG.info("Claim of %s lost a database race", notification_uuid, exc_info=True)
            return None
        LOG.info("Claimed notification %s (attempt %s)", notification_uuid, attempt)
        return Claim(notification_uuid, host_uuid, self.owner, attempt)

    def _take_host_lock(self, s: Session, host_uuid: str, notification_uuid: str, now) -> bool:
        took = s.execute(
            update(HostLock)
            .where(
                HostLock.source_host_uuid == host_uuid,
                or_(HostLock.lease_until < now, HostLock.notification_uuid == notification_uuid),
            )
            .values(
                notification_uuid=notification_uuid,
                owner=self.owner,
                lease_until=now + self.lease,
            )
            .execution_options(synchronize_session=False)
        )
        if took.rowcount == 1:
            return True
        try:
            with s.begin_nested():
                s.execute(
                    insert(HostLock).values(
                        source_host_uuid=host_uuid,
                        notification_uuid=notification_uuid,
                        owner=self.owner,
                        lease_until=now + self.lease,
                    )
                )
            return True
        except IntegrityError:
            return False  # the row exists and its lease is live: the host is busy

    # --- while working

    def guard(self, s: Session, claim: Claim) -> bool:
        """Renew our lease inside ``s``; False when the notification is no longer ours.

        Run first in every transaction the worker commits, so that a write can
        only land while we still own the row.
        """
        now = self.clock()
        renewed = s.execute(
            update(Notification)
            .where(self._mine(claim))
            .values(lease_until=now + self.lease)
            .execution_options(synchronize_session=False)
        )
        return renewed.rowcount == 1

    def heartbeat(self, claim: Claim) -> bool:
        with session_scope(self.url) as s:
            if not self.guard(s, claim):
                return False
            s.execute(
                update(HostLock)
                .where(
                    HostLock.source_host_uuid == claim.source_host_uuid,
                    HostLock.notification_uuid == claim.notification_uuid,
                    HostLock.owner == self.owner,
                )
                .values(lease_until=self.clock() + self.lease)
                .execution_options(synchronize_session=False)
            )
        return True

    def finish(self, claim: Claim, status: S, message: str | None) -> S | None:
        """Write the outcome and release the host; the status written, or None if we lost.

        ``error`` becomes ``failed`` once the attempts are used up; otherwise the
        next attempt is due after a backoff that doubles per attempt.
        """
        now = self.clock()
        values: dict = {"status": status, "message": message, "lease_until": None}
        if status == S.ERROR:
            if claim.attempt >= self.max_attempts:
                status = S.FAILED
                values["status"] = status
                values["message"] = f"{message} (gave up after {claim.attempt} attempts)"
            else:
                delay = self.backoff * 2 ** (claim.attempt - 1)
                values["next_attempt_at"] = now + dt.timedelta(seconds=delay)
        _check(S.RUNNING, status)
        with session_scope(self.url) as s:
            done = s.execute(
                update(Notification)
                .where(self._mine(claim))
                .values(**values)
                .execution_options(synchronize_session=False)
            )
            if done.rowcount != 1:
                return None
            self._release_host(s, claim)
        LOG.info("Notification %s is %s: %s", claim.notification_uuid, status, message)
        return status

    def release(self, claim: Claim) -> None:
        """Give the claim up unfinished (shutdown): the lease ends now, so anyone may resume."""
        with session_scope(self.url) as s:
            s.execute(
                update(Notification)
                .where(self._mine(claim))
                .values(lease_until=_RELEASED)
                .execution_options(synchronize_session=False)
            )
            self._release_host(s, claim)

    def _release_host(self, s: Session, claim: Claim) -> None:
        s.execute(
            update(HostLock)
            .where(
                HostLock.source_host_uuid == claim.source_host_uuid,
                HostLock.notification_uuid == claim.notification_uuid,
                HostLock.owner == self.owner,
            )
            .values(lease_until=_RELEASED)
            .execution_options(synchronize_session=False)
        )

    # --- what the sweeper looks for

    def due(self, new_after_seconds: int, limit: int = 100, host_uuid: str | None = None):
        """Notification uuids a claim should be tried on, oldest first.

        Orphaned ``running`` rows come first, so a dead engine's work resumes
        before newer work for the same host is started.
        """
        now = self.clock()
        N = Notification
        stale_new = now - dt.timedelta(seconds=new_after_seconds)
        query = (
            select(N.notification_uuid, N.status)
            .where(
                N.deleted == 0,
                or_(and_(N.status == S.NEW, N.created_at <= stale_new), self._resumable(now)),
            )
            .order_by(N.created_at, N.id)
            .limit(limit)
        )
        if host_uuid is not None:
            query = query.where(N.source_host_uuid == host_uuid)
        with session_scope(self.url) as s:
            rows = s.execute(query).all()
        running = [uuid for uuid, status in rows if status == S.RUNNING]
        return running + [uuid for uuid, status in rows if status != S.RUNNING]

    def fail_exhausted_and_expired(self, expired_after_seconds: int) -> int:
        """Mark ``failed`` what is out of attempts or too old; how many rows changed.

        Age counts from ``created_at`` (our clock), not the monitor's
        ``generated_time``, so a skewed monitor cannot expire work early.
        A ``running`` row is only expired once its lease lapsed: nobody is on it.
        """
        now = self.clock()
        N = Notification
        for src in (S.NEW, S.RUNNING, S.ERROR):
            _check(src, S.FAILED)
        changed = 0
        with session_scope(self.url) as s:
            changed += s.execute(
                update(N)
                .where(N.status == S.ERROR, N.attempt >= self.max_attempts)
                .values(
                    status=S.FAILED,
                    lease_until=None,
                    next_attempt_at=None,
                )
                .execution_options(synchronize_session=False)
            ).rowcount
            old = now - dt.timedelta(seconds=expired_after_seconds)
            changed += s.execute(
                update(N)
                .where(
                    N.created_at < old,
                    or_(
                        N.status.in_([S.NEW, S.ERROR]),
                        and_(N.status == S.RUNNING, N.lease_until < now),
                    ),
                )
                .values(
                    status=S.FAILED,
                    message=f"Expired: not recovered within {expired_after_seconds} seconds.",
                    lease_until=None,
                    next_attempt_at=None,
                )
                .execution_options(synchronize_session=False)
            ).rowcount
        return changed
