"""open forms: what a form needs when it is submitted, kept with its own id and its opener

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 01:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "open_forms",
        sa.Column("form_id", sa.String(length=40), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("form_id"),
    )
    with op.batch_alter_table("open_forms", schema=None) as batch_op:
        batch_op.create_index("ix_open_forms_opened_at", ["opened_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("open_forms", schema=None) as batch_op:
        batch_op.drop_index("ix_open_forms_opened_at")
    op.drop_table("open_forms")
