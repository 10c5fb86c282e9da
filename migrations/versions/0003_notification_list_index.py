"""api: index for listing notifications newest first

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        op.f("ix_notifications_deleted_created_at_id"),
        "notifications",
        ["deleted", "created_at", "id"],
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_notifications_deleted_created_at_id"), table_name="notifications")
