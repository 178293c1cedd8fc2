"""Scheduled work in the database: what is due, claimed by one worker at a time, done once.

A tick claims due rows by giving them a lease (``claimed_until``) in one transaction; on
PostgreSQL the rows are picked with ``SELECT … FOR UPDATE SKIP LOCKED`` so replicas never claim
the same row. The worker then acts (talking to Slack outside any transaction, so a slow Slack
never holds a database lock) and finally deletes or reschedules the row. A worker that dies
mid-way loses only its lease: the row is due again when the lease runs out. Slack failing after
its retries leaves the row due with a back-off, so nothing is lost.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.db.dialect import upsert_insert
from bot.db.engine import transaction
from bot.db.models import ScheduledWork

UPDATE_REMINDER = "update_reminder"
SLACK_SETUP = "slack_setup"
POSTMORTEM_REMINDER = "postmortem_reminder"
ESCALATION = "escalation"
PAGE = "page"
NOTIFY = "notify"  # one message an escalation owes (a DM, a channel post, the incident-channel line)
FOLLOW_UP = "follow_up"
# What resolving or closing an incident leaves in place: its Slack side, pager resolves, follow-ups.
KEEP_AFTER_END = (SLACK_SETUP, PAGE, FOLLOW_UP)


@dataclass(frozen=True)
class Claimed:
    id: int
    incident_id: int
    kind: str
    key: str
    due_at: datetime
    attempts: int
    details: dict[str, Any]


def schedule(
    session: Session, incident_id: int, kind: str, due_at: datetime, key: str = "", **details: Any
) -> None:
    """Make ``kind`` due at ``due_at``, replacing any earlier time; runs in the caller's transaction."""
    statement = upsert_insert(session, ScheduledWork).values(
        incident_id=incident_id, kind=kind, key=key, due_at=due_at, attempts=0, details=details
    )
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["incident_id", "kind", "key"],
            set_={"due_at": due_at, "attempts": 0, "last_error": None, "details": details},
        )
    )


def cancel(session: Session, incident_id: int, kind: str | None = None, key: str | None = None) -> None:
    """Forget pending work for the incident: all of it, one kind, or one (kind, key)."""
    query = delete(ScheduledWork).where(ScheduledWork.incident_id == incident_id)
    if kind is not None:
        query = query.where(ScheduledWork.kind == kind)
    if key is not None:
        query = query.where(ScheduledWork.key == key)
    session.execute(query)


def cancel_all_but(session: Session, incident_id: int, keep: tuple[str, ...]) -> None:
    """Forget the incident's pending work except the kinds in ``keep``."""
    session.execute(
        delete(ScheduledWork).where(ScheduledWork.incident_id == incident_id, ScheduledWork.kind.not_in(keep))
    )


def due_at(session: Session, incident_id: int, kind: str, key: str = "") -> datetime | None:
    query = select(ScheduledWork.due_at).where(
        ScheduledWork.incident_id == incident_id, ScheduledWork.kind == kind, ScheduledWork.key == key
    )
    return session.scalars(query).one_or_none()


def claim(sessions: sessionmaker[Session], now: datetime, lease: timedelta, limit: int = 20) -> list[Claimed]:
    """Claim up to ``limit`` due rows, oldest first. One indexed query when nothing is due."""
    with transaction(sessions) as session:
        query = (
            select(ScheduledWork)
            .where(
                ScheduledWork.due_at <= now,
                or_(ScheduledWork.claimed_until.is_(None), ScheduledWork.claimed_until < now),
            )
            .order_by(ScheduledWork.due_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        rows = list(session.scalars(query))
        if not rows:
            return []
        session.execute(
            update(ScheduledWork)
            .where(ScheduledWork.id.in_([r.id for r in rows]))
            .values(claimed_until=now + lease)
            .execution_options(synchronize_session=False)
        )
        return [
            Claimed(r.id, r.incident_id, r.kind, r.key, r.due_at, r.attempts, dict(r.details)) for r in rows
        ]


def finish(sessions: sessionmaker[Session], work: Claimed, again_at: datetime | None) -> None:
    """Done with a claimed row: delete it, or make it due again at ``again_at``.

    If someone rescheduled the row while it was being worked on (an update reset the reminder
    clock), their time stands and only the lease is dropped.
    """
    with transaction(sessions) as session:
        same = (ScheduledWork.id == work.id, ScheduledWork.due_at == work.due_at)
        if again_at is None:
            gone = session.execute(delete(ScheduledWork).where(*same)).rowcount  # type: ignore[attr-defined]
        else:
            gone = session.execute(
                update(ScheduledWork).where(*same).values(due_at=again_at, claimed_until=None, attempts=0)
            ).rowcount  # type: ignore[attr-defined]
        if not gone:
            _unclaim(session, work)


def failed(sessions: sessionmaker[Session], work: Claimed, error: str, retry_at: datetime) -> None:
    """The work failed: keep it due again at ``retry_at``, count the attempt, note the error."""
    with transaction(sessions) as session:
        session.execute(
            update(ScheduledWork)
            .where(ScheduledWork.id == work.id, ScheduledWork.due_at == work.due_at)
            .values(due_at=retry_at, claimed_until=None, attempts=work.attempts + 1, last_error=error[:200])
        )
        _unclaim(session, work)


def _unclaim(session: Session, work: Claimed) -> None:
    session.execute(update(ScheduledWork).where(ScheduledWork.id == work.id).values(claimed_until=None))
