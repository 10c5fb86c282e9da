"""Notification and vmove statuses, and the edges between them.

Everything that changes a status goes through a conditional UPDATE checked
against these tables (see ``engine/claims.py``); nothing else assigns ``.status``.
"""

from enum import StrEnum


class NotificationStatus(StrEnum):
    NEW = "new"
    """Stored by the API; no engine has claimed it yet."""
    RUNNING = "running"
    """Claimed by an engine, which holds a lease on it."""
    ERROR = "error"
    """The last attempt failed; the sweeper retries it after a backoff."""
    FAILED = "failed"
    """Out of attempts or expired; an operator has to look."""
    IGNORED = "ignored"
    """Nothing to do (disabled segment, unknown host status, event not handled)."""
    FINISHED = "finished"
    """Recovered."""


class VMoveStatus(StrEnum):
    PENDING = "pending"
    ONGOING = "ongoing"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    IGNORED = "ignored"


class VMoveType(StrEnum):
    EVACUATION = "evacuation"
    MIGRATION = "migration"
    LIVE_MIGRATION = "live_migration"


class StepState(StrEnum):
    """The state of one recorded recovery step, in upstream's (taskflow's) words."""

    PENDING = "PENDING"
    RUNNING = "RUNNING"
    SUCCESS = "SUCCESS"
    FAILURE = "FAILURE"
    SKIPPED = "SKIPPED"


N = NotificationStatus

NOTIFICATION_TRANSITIONS: dict[NotificationStatus, frozenset[NotificationStatus]] = {
    N.NEW: frozenset({N.RUNNING, N.IGNORED, N.FAILED}),
    # running -> running is a takeover: a new owner after the old lease expired.
    N.RUNNING: frozenset({N.RUNNING, N.FINISHED, N.ERROR, N.IGNORED, N.FAILED}),
    N.ERROR: frozenset({N.RUNNING, N.FAILED}),
    N.FAILED: frozenset(),
    N.IGNORED: frozenset(),
    N.FINISHED: frozenset(),
}

UNFINISHED = frozenset({N.NEW, N.RUNNING, N.ERROR})
"""Statuses that make a segment and its hosts 'in use' (409 on update/delete)."""

TERMINAL = frozenset({N.FINISHED, N.IGNORED, N.FAILED})
"""Statuses that never change again; what `db purge` may remove once old."""

V = VMoveStatus

VMOVE_TRANSITIONS: dict[VMoveStatus, frozenset[VMoveStatus]] = {
    V.PENDING: frozenset({V.ONGOING, V.IGNORED, V.FAILED}),
    # ongoing -> ongoing: a resumed attempt re-checks an evacuation it had started;
    # ongoing -> ignored: the server was deleted while it was being moved.
    V.ONGOING: frozenset({V.ONGOING, V.SUCCEEDED, V.FAILED, V.IGNORED}),
    V.FAILED: frozenset({V.PENDING}),
    V.SUCCEEDED: frozenset(),
    V.IGNORED: frozenset(),
}


def allowed(transitions: dict, src: str, dst: str) -> bool:
    return dst in transitions.get(src, frozenset())


def sources_for(transitions: dict, dst: str) -> list[str]:
    """Every status from which ``dst`` may be reached: the WHERE of a transition."""
    return sorted(str(src) for src, dsts in transitions.items() if dst in dsts)
