"""The outbox seen from outside the delivery path: how much is owed (health, the CLI), marking what
is owed in doubt after a restore, and forgetting delivered effects (retention)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from bot.db.models import DELIVERED, FAILED, PENDING, OutboxEffect


@dataclass(frozen=True)
class Backlog:
    pending: int
    failed: int
    oldest: datetime | None  # when the oldest pending effect was owed


def backlog(session: Session) -> Backlog:
    pending, oldest = session.execute(
        select(func.count(), func.min(OutboxEffect.created_at)).where(OutboxEffect.state == PENDING)
    ).one()
    failures = session.scalar(select(func.count()).where(OutboxEffect.state == FAILED)) or 0
    return Backlog(int(pending or 0), int(failures), oldest)


def undelivered(session: Session, limit: int = 200) -> list[OutboxEffect]:
    """Pending and failed effects, oldest first (for ``incident-bot outbox``)."""
    query = (
        select(OutboxEffect)
        .where(OutboxEffect.state.in_([PENDING, FAILED]))
        .order_by(OutboxEffect.id)
        .limit(limit)
    )
    return list(session.scalars(query))


def restored(session: Session) -> int:
    """After a restore from a backup: everything still owed may have been delivered by the bot that
    ran on after the backup was taken, so each is in doubt (looked for before it is made again).
    Returns how many effects that is."""
    return _rowcount(
        session.execute(update(OutboxEffect).where(OutboxEffect.state == "pending").values(in_doubt=True))
    )


def _rowcount(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


def purge_delivered(session: Session, before: datetime, batch: int = 500) -> int:
    """Forget up to ``batch`` effects delivered before ``before``, oldest first (what editing an
    announcement later needs is kept apart, as external references). Returns how many went."""
    oldest = (
        select(OutboxEffect.id)
        .where(OutboxEffect.state == DELIVERED, OutboxEffect.delivered_at < before)
        .order_by(OutboxEffect.id)
        .limit(batch)
    )
    ids = list(session.scalars(oldest))
    if ids:
        session.execute(delete(OutboxEffect).where(OutboxEffect.id.in_(ids)))
    return len(ids)
