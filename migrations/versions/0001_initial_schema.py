"""initial schema

Revision ID: 0001
Revises: none
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "failover_segments",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("service_type", sa.String(length=255), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("recovery_method", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.Column("deleted", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_failover_segments")),
        sa.UniqueConstraint("name", "deleted", name=op.f("uq_failover_segments_name_deleted")),
        sa.UniqueConstraint("uuid", name=op.f("uq_failover_segments_uuid")),
    )
    with op.batch_alter_table("failover_segments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_failover_segments_deleted_created_at"),
            ["deleted", "created_at"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_failover_segments_enabled"), ["enabled"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_failover_segments_recovery_method"), ["recovery_method"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_failover_segments_service_type"), ["service_type"], unique=False
        )

    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("notification_uuid", sa.String(length=36), nullable=False),
        sa.Column("generated_time", sa.DateTime(), nullable=False),
        sa.Column("source_host_uuid", sa.String(length=36), nullable=False),
        sa.Column("failover_segment_uuid", sa.String(length=36), nullable=True),
        sa.Column("type", sa.String(length=36), nullable=False),
        sa.Column("payload", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=36), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("owner", sa.String(length=255), nullable=True),
        sa.Column("lease_until", sa.DateTime(), nullable=True),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.Column("deleted", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
        sa.UniqueConstraint("notification_uuid", name=op.f("uq_notifications_notification_uuid")),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_notifications_generated_time"), ["generated_time"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_notifications_source_host_uuid_type_generated_time"),
            ["source_host_uuid", "type", "generated_time"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_notifications_status_generated_time"),
            ["status", "generated_time"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_notifications_status_lease_until"),
            ["status", "lease_until"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_notifications_status_next_attempt_at"),
            ["status", "next_attempt_at"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_notifications_type"), ["type"], unique=False)

    op.create_table(
        "hosts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("reserved", sa.Boolean(), nullable=False),
        sa.Column("type", sa.String(length=255), nullable=False),
        sa.Column("control_attributes", sa.Text(), nullable=False),
        sa.Column("on_maintenance", sa.Boolean(), nullable=False),
        sa.Column("failover_segment_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.Column("deleted", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["failover_segment_id"],
            ["failover_segments.uuid"],
            name=op.f("fk_hosts_failover_segment_id_failover_segments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hosts")),
        sa.UniqueConstraint("name", "deleted", name=op.f("uq_hosts_name_deleted")),
        sa.UniqueConstraint("uuid", name=op.f("uq_hosts_uuid")),
    )
    with op.batch_alter_table("hosts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_hosts_failover_segment_id_deleted"),
            ["failover_segment_id", "deleted"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_hosts_on_maintenance"), ["on_maintenance"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_hosts_reserved"), ["reserved"], unique=False)
        batch_op.create_index(batch_op.f("ix_hosts_type"), ["type"], unique=False)

    op.create_table(
        "recovery_steps",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("notification_uuid", sa.String(length=36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("state", sa.String(length=36), nullable=False),
        sa.Column("progress", sa.Float(), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["notification_uuid"],
            ["notifications.notification_uuid"],
            name=op.f("fk_recovery_steps_notification_uuid_notifications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recovery_steps")),
        sa.UniqueConstraint(
            "notification_uuid", "name", name=op.f("uq_recovery_steps_notification_uuid_name")
        ),
    )
    op.create_table(
        "vmoves",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("notification_uuid", sa.String(length=36), nullable=False),
        sa.Column("instance_uuid", sa.String(length=36), nullable=False),
        sa.Column("instance_name", sa.String(length=255), nullable=True),
        sa.Column("source_host", sa.String(length=255), nullable=True),
        sa.Column("dest_host", sa.String(length=255), nullable=True),
        sa.Column("start_time", sa.DateTime(), nullable=True),
        sa.Column("end_time", sa.DateTime(), nullable=True),
        sa.Column("type", sa.String(length=36), nullable=True),
        sa.Column("status", sa.String(length=36), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.Column("deleted", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["notification_uuid"],
            ["notifications.notification_uuid"],
            name=op.f("fk_vmoves_notification_uuid_notifications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vmoves")),
        sa.UniqueConstraint(
            "notification_uuid",
            "instance_uuid",
            "deleted",
            name=op.f("uq_vmoves_notification_uuid_instance_uuid_deleted"),
        ),
        sa.UniqueConstraint("uuid", name=op.f("uq_vmoves_uuid")),
    )
    with op.batch_alter_table("vmoves", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_vmoves_instance_uuid"), ["instance_uuid"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_vmoves_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_vmoves_type"), ["type"], unique=False)


def downgrade() -> None:
    # Dropping a table drops its indexes; dropping them one by one first fails on
    # MySQL where an index backs a foreign key.
    for table in ("vmoves", "recovery_steps", "hosts", "notifications", "failover_segments"):
        op.drop_table(table)
