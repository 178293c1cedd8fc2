"""repair: open incidents whose update reminder a SQLite upgrade to 0007 deleted get it back

Before 0008, upgrading a SQLite database rebuilt ``incidents`` with foreign keys enforced, which
emptied every table that refers to it (``scheduled_work`` among them). An open incident that still
promises an update (``next_update_at``) but has no reminder waiting gets its reminder again, due at
the promise (at once if that has passed). Nothing else lost that way can be rebuilt: ``incident-bot
db upgrade`` names the incidents whose timeline is empty.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 22:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        sa.text(
            "INSERT INTO scheduled_work (incident_id, kind, key, due_at, attempts, details) "
            "SELECT i.id, 'update_reminder', '', i.next_update_at, 0, '{}' FROM incidents i "
            "WHERE i.status IN ('Investigating', 'Identified', 'Monitoring') "
            "AND i.next_update_at IS NOT NULL "
            "AND NOT EXISTS (SELECT 1 FROM scheduled_work w "
            "WHERE w.incident_id = i.id AND w.kind = 'update_reminder')"
        )
    )


def downgrade() -> None:
    pass  # the reminders it gave back are ordinary scheduled work
