"""outbox: every Slack effect owed, in the transaction of the change; scheduled work without leases

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PENDING = sa.text("state = 'pending'")


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("lane", sa.String(length=120), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("actor", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("not_before", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claim_token", sa.String(length=32), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("in_doubt", sa.Boolean(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key", name="uq_outbox_key"),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_incident", ["incident_id"], unique=False)
        batch_op.create_index("ix_outbox_kind", ["kind"], unique=False)
        batch_op.create_index(
            "ix_outbox_pending_due",
            ["not_before"],
            unique=False,
            sqlite_where=PENDING,
            postgresql_where=PENDING,
        )
        batch_op.create_index(
            "ix_outbox_pending_lane",
            ["lane", "id"],
            unique=False,
            sqlite_where=PENDING,
            postgresql_where=PENDING,
        )
    op.create_table(
        "outbox_lanes",
        sa.Column("lane", sa.String(length=120), nullable=False),
        sa.Column("next_post_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("lane"),
    )
    with op.batch_alter_table("scheduled_work", schema=None) as batch_op:
        batch_op.drop_column("claimed_until")
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_column("slack_lease_until")
        batch_op.drop_column("slack_ready_at")
        batch_op.drop_column("reply_url")


def downgrade() -> None:
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reply_url", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("slack_ready_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("slack_lease_until", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("scheduled_work", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True))
    op.drop_table("outbox_lanes")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_pending_lane", sqlite_where=PENDING, postgresql_where=PENDING)
        batch_op.drop_index("ix_outbox_pending_due", sqlite_where=PENDING, postgresql_where=PENDING)
        batch_op.drop_index("ix_outbox_kind")
        batch_op.drop_index("ix_outbox_incident")
    op.drop_table("outbox")
