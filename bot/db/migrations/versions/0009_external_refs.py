"""external references: one record of what the bot made outside (Slack messages first)

The Slack messages the bot edits later move from ``slack_messages`` into ``external_refs``; an
announcement owed and not posted yet is recorded as expected, so it is edited once it exists.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 23:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# where an announcement was owed (the end of its outbox key) → the purpose it is recorded under
ANNOUNCED = {"incident": "announcement", "announcements": "broadcast", "leadership": "leadership"}


def upgrade() -> None:
    op.create_table(
        "external_refs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("system", sa.String(length=20), nullable=False),
        sa.Column("purpose", sa.String(length=80), nullable=False),
        sa.Column("container", sa.String(length=120), nullable=True),
        sa.Column("external_id", sa.String(length=200), nullable=True),
        sa.Column("url", sa.String(length=1000), nullable=True),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("incident_id", "system", "purpose", name="uq_external_refs"),
    )
    op.execute(
        "INSERT INTO external_refs (incident_id, system, purpose, container, external_id) "
        "SELECT incident_id, 'slack', purpose, channel_id, ts FROM slack_messages ORDER BY id"
    )
    for place, purpose in ANNOUNCED.items():
        op.execute(
            sa.text(
                "INSERT INTO external_refs (incident_id, system, purpose) "
                "SELECT DISTINCT o.incident_id, 'slack', :purpose FROM outbox o "
                "WHERE o.incident_id IS NOT NULL AND o.kind = 'post' AND o.key LIKE :pattern "
                "AND NOT EXISTS (SELECT 1 FROM external_refs r WHERE r.incident_id = o.incident_id "
                "AND r.system = 'slack' AND r.purpose = :purpose)"
            ).bindparams(purpose=purpose, pattern=f"%/announce/{place}")
        )
    op.drop_table("slack_messages")


def downgrade() -> None:
    op.create_table(
        "slack_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=40), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("ts", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("incident_id", "purpose", "channel_id", name="uq_slack_messages"),
    )
    op.execute(
        "INSERT INTO slack_messages (incident_id, purpose, channel_id, ts) "
        "SELECT incident_id, purpose, container, external_id FROM external_refs "
        "WHERE system = 'slack' AND external_id IS NOT NULL AND container IS NOT NULL ORDER BY id"
    )
    op.drop_table("external_refs")
