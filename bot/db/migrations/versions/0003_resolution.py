"""resolution

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 14:12:28.967540
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("summary", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("root_cause", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("fix", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_column("closed_at")
        batch_op.drop_column("fix")
        batch_op.drop_column("root_cause")
        batch_op.drop_column("summary")
