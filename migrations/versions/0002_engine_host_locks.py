"""engine: per-source-host locks and step results

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "host_locks",
        sa.Column("source_host_uuid", sa.String(length=36), nullable=False),
        sa.Column("notification_uuid", sa.String(length=36), nullable=False),
        sa.Column("owner", sa.String(length=255), nullable=False),
        sa.Column("lease_until", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("source_host_uuid", name=op.f("pk_host_locks")),
    )
    with op.batch_alter_table("recovery_steps", schema=None) as batch_op:
        batch_op.add_column(sa.Column("result", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("recovery_steps", schema=None) as batch_op:
        batch_op.drop_column("result")
    op.drop_table("host_locks")
