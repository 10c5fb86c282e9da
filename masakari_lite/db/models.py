"""The SQL schema, as SQLAlchemy 2 declarative models.

Columns follow upstream Masakari's tables so that the API's fields map one to
one. Soft delete follows upstream too: ``deleted`` is 0 for a live row and the
row's id once deleted, which lets ``UNIQUE(name, deleted)`` allow a name to be
reused after a delete.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Deterministic constraint names, so that migrations, downgrades and the
# models-versus-migrations check agree on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    """Naive UTC with whole seconds, as upstream stores it (rendered `.000000`)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class SoftDeleteMixin:
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime | None] = mapped_column(DateTime, onupdate=utcnow)
    deleted_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    deleted: Mapped[int] = mapped_column(Integer, default=0)


class FailoverSegment(SoftDeleteMixin, Base):
    __tablename__ = "failover_segments"
    __table_args__ = (
        UniqueConstraint("name", "deleted"),
        UniqueConstraint("uuid"),
        Index(None, "recovery_method"),
        Index(None, "service_type"),
        Index(None, "enabled"),
        Index(None, "deleted", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    uuid: Mapped[str] = mapped_column(String(36))
    name: Mapped[str] = mapped_column(String(255))
    service_type: Mapped[str] = mapped_column(String(255))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    description: Mapped[str | None] = mapped_column(Text)
    recovery_method: Mapped[str] = mapped_column(String(255))


class Host(SoftDeleteMixin, Base):
    __tablename__ = "hosts"
    __table_args__ = (
        UniqueConstraint("name", "deleted"),
        UniqueConstraint("uuid"),
        Index(None, "failover_segment_id", "deleted"),
        Index(None, "type"),
        Index(None, "reserved"),
        Index(None, "on_maintenance"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    uuid: Mapped[str] = mapped_column(String(36))
    name: Mapped[str] = mapped_column(String(255))
    reserved: Mapped[bool] = mapped_column(Boolean, default=False)
    type: Mapped[str] = mapped_column(String(255))
    control_attributes: Mapped[str] = mapped_column(Text)
    on_maintenance: Mapped[bool] = mapped_column(Boolean, default=False)
    failover_segment_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("failover_segments.uuid")
    )


class Notification(SoftDeleteMixin, Base):
    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("notification_uuid"),
        Index(None, "status", "generated_time"),
        Index(None, "type"),
        Index(None, "source_host_uuid", "type", "generated_time"),
        Index(None, "generated_time"),
        # The engine's claim and sweep queries: runnable rows by status and time.
        Index(None, "status", "lease_until"),
        Index(None, "status", "next_attempt_at"),
        # The API's default list order (newest first, id as tie-breaker) read from
        # the index instead of sorting every live row per page.
        Index(None, "deleted", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    notification_uuid: Mapped[str] = mapped_column(String(36))
    generated_time: Mapped[dt.datetime] = mapped_column(DateTime)
    source_host_uuid: Mapped[str] = mapped_column(String(36))
    failover_segment_uuid: Mapped[str | None] = mapped_column(String(36))
    type: Mapped[str] = mapped_column(String(36))
    payload: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(36), default="new")
    message: Mapped[str | None] = mapped_column(Text)
    # Claim: which engine works on it, until when its lease holds, which attempt it is.
    owner: Mapped[str | None] = mapped_column(String(255))
    lease_until: Mapped[dt.datetime | None] = mapped_column(DateTime)
    attempt: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class RecoveryStep(Base):
    """One named step of a notification's recovery, as recovery_workflow_details shows it.

    Keyed by (notification, name): a resumed attempt finds its finished steps
    here and skips them. ``details`` is a JSON list of
    ``{"timestamp", "message", "progress"}`` entries.
    """

    __tablename__ = "recovery_steps"
    __table_args__ = (UniqueConstraint("notification_uuid", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    notification_uuid: Mapped[str] = mapped_column(
        String(36), ForeignKey("notifications.notification_uuid", ondelete="CASCADE")
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(255))
    state: Mapped[str] = mapped_column(String(36), default="PENDING")
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    details: Mapped[str] = mapped_column(Text, default="[]")
    attempt: Mapped[int] = mapped_column(Integer, default=0)
    # JSON the step hands to later steps (and to itself when resumed): what it
    # decided or took, e.g. the instances' original states or the reserved host.
    result: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime | None] = mapped_column(DateTime, onupdate=utcnow)


class VMove(SoftDeleteMixin, Base):
    """One instance's move during a host-failure recovery."""

    __tablename__ = "vmoves"
    __table_args__ = (
        UniqueConstraint("uuid"),
        # One move per instance per notification: a resumed attempt can never
        # record (and so never issue) a second evacuation of the same instance.
        UniqueConstraint("notification_uuid", "instance_uuid", "deleted"),
        Index(None, "status"),
        Index(None, "type"),
        Index(None, "instance_uuid"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    uuid: Mapped[str] = mapped_column(String(36))
    notification_uuid: Mapped[str] = mapped_column(
        String(36), ForeignKey("notifications.notification_uuid", ondelete="CASCADE")
    )
    instance_uuid: Mapped[str] = mapped_column(String(36))
    instance_name: Mapped[str | None] = mapped_column(String(255))
    source_host: Mapped[str | None] = mapped_column(String(255))
    dest_host: Mapped[str | None] = mapped_column(String(255))
    start_time: Mapped[dt.datetime | None] = mapped_column(DateTime)
    end_time: Mapped[dt.datetime | None] = mapped_column(DateTime)
    type: Mapped[str | None] = mapped_column(String(36))
    status: Mapped[str | None] = mapped_column(String(36))
    message: Mapped[str | None] = mapped_column(Text)
    attempt: Mapped[int] = mapped_column(Integer, default=0)


class HostLock(Base):
    """Which notification is being recovered for a source host: at most one at a time.

    A row per source host, claimed by INSERT or by a conditional UPDATE when
    its lease expired; it is a separate table because MySQL cannot UPDATE
    ``notifications`` with a subquery on ``notifications``.
    """

    __tablename__ = "host_locks"

    source_host_uuid: Mapped[str] = mapped_column(String(36), primary_key=True)
    notification_uuid: Mapped[str] = mapped_column(String(36))
    owner: Mapped[str] = mapped_column(String(255))
    lease_until: Mapped[dt.datetime] = mapped_column(DateTime)
