"""outbox heads: each lane's oldest pending effect, so a claim never walks a long lane

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 06:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "outbox_heads",
        sa.Column("lane", sa.String(length=120), nullable=False),
        sa.Column("effect_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("lane"),
    )
    op.create_index(
        "ix_outbox_heads_owed",
        "outbox_heads",
        ["effect_id"],
        sqlite_where=sa.text("effect_id IS NOT NULL"),
        postgresql_where=sa.text("effect_id IS NOT NULL"),
    )
    # what the previous release owed and did not deliver yet: each lane's oldest is its head
    op.execute(
        "INSERT INTO outbox_heads (lane, effect_id) "
        "SELECT lane, min(id) FROM outbox WHERE state = 'pending' GROUP BY lane"
    )


def downgrade() -> None:
    op.drop_index("ix_outbox_heads_owed", table_name="outbox_heads")
    op.drop_table("outbox_heads")
