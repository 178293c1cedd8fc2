"""Scheduled work in the database: what is due, done once, by one replica, in one transaction.

A tick takes the oldest due row together with its incident's row lock (on PostgreSQL with
``SELECT … FOR UPDATE SKIP LOCKED``, so replicas never take the same row and never wait for each
other), asks the domain what it means now, and reschedules or deletes the row, all in one
transaction: the decision and the Slack effects it owes (outbox rows) commit together, or not at
all. A replica that dies mid-way leaves nothing half done; another takes the row at once.
"""

from __future__ import annotations

import functools
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from bot.db.dialect import dialect_of, insert_for
from bot.db.models import Incident, PeriodicRun, ScheduledWork

UPDATE_REMINDER = "update_reminder"
POSTMORTEM_REMINDER = "postmortem_reminder"
ESCALATION = "escalation"
FOLLOW_UP = "follow_up"
DRILL_INJECT = "drill_inject"
# What resolving or closing an incident leaves in place: the follow-ups' reminders.
KEEP_AFTER_END = (FOLLOW_UP,)


# Set on a session that scheduled work: the soonest due time, for the scheduler once committed.
SOONEST = "work.soonest"
# Set on a session that scheduled or cancelled work: the incidents whose rows changed (a tick that
# took several rows reads again those of an incident a job changed, see ``still_due``).
CHANGED = "work.changed"


def schedule(
    session: Session, incident_id: int, kind: str, due_at: datetime, key: str = "", **details: Any
) -> None:
    """Make ``kind`` due at ``due_at``, replacing any earlier time; runs in the caller's transaction."""
    values = {"incident_id": incident_id, "kind": kind, "key": key, "due_at": due_at, "attempts": 0}
    session.execute(_schedule_statement(dialect_of(session)), {**values, "details": details})
    _changed(session, incident_id)
    soonest = session.info.get(SOONEST)
    session.info[SOONEST] = due_at if soonest is None else min(soonest, due_at)


@functools.cache
def _schedule_statement(dialect: str) -> Any:
    """Built once (a change schedules several things; building costs more than running)."""
    statement = insert_for(dialect, ScheduledWork.__table__)
    excluded = statement.excluded
    return statement.on_conflict_do_update(
        index_elements=["incident_id", "kind", "key"],
        set_={"due_at": excluded.due_at, "attempts": 0, "last_error": None, "details": excluded.details},
    )


def cancel(session: Session, incident_id: int, kind: str | None = None, key: str | None = None) -> None:
    """Forget pending work for the incident: all of it, one kind, or one (kind, key)."""
    query = delete(ScheduledWork).where(ScheduledWork.incident_id == incident_id)
    if kind is not None:
        query = query.where(ScheduledWork.kind == kind)
    if key is not None:
        query = query.where(ScheduledWork.key == key)
    session.execute(query)
    _changed(session, incident_id)


def cancel_all_but(session: Session, incident_id: int, keep: tuple[str, ...]) -> None:
    """Forget the incident's pending work except the kinds in ``keep``."""
    session.execute(
        delete(ScheduledWork).where(ScheduledWork.incident_id == incident_id, ScheduledWork.kind.not_in(keep))
    )
    _changed(session, incident_id)


def _changed(session: Session, incident_id: int) -> None:
    session.info.setdefault(CHANGED, set()).add(incident_id)


def due_at(session: Session, incident_id: int, kind: str, key: str = "") -> datetime | None:
    query = select(ScheduledWork.due_at).where(
        ScheduledWork.incident_id == incident_id, ScheduledWork.kind == kind, ScheduledWork.key == key
    )
    return session.scalars(query).one_or_none()


def lock_due(session: Session, now: datetime, limit: int) -> tuple[list[ScheduledWork], list[Incident]]:
    """Lock the next ``limit`` due rows, oldest first, with their incidents, and read the incidents
    in one go (with their roles and messages: three queries, not three a row). Returns the rows and
    the incidents; the caller keeps the incidents while it works (the session holds its objects
    weakly). Locked before they are read, so what the jobs read stays true until the transaction
    ends. Rows and incidents another transaction holds (a decider beside this one, another
    replica's tick) are skipped, never waited for."""
    due = (
        select(ScheduledWork)
        .join(Incident, Incident.id == ScheduledWork.incident_id)
        .where(ScheduledWork.due_at <= now)
        .order_by(ScheduledWork.due_at)
        .limit(limit)
        .with_for_update(skip_locked=True, of=[ScheduledWork, Incident])
    )
    rows = list(session.scalars(due))
    if not rows:
        return [], []
    ids = sorted({row.incident_id for row in rows})
    return rows, list(session.scalars(select(Incident).where(Incident.id.in_(ids))))


def still_due(session: Session, rows: list[ScheduledWork], now: datetime) -> list[ScheduledWork]:
    """Those of ``rows`` (locked by this transaction) that are still due, read again: a job may
    have rescheduled or cancelled its incident's other rows."""
    if not rows:
        return []
    query = (
        select(ScheduledWork)
        .where(ScheduledWork.id.in_([row.id for row in rows]), ScheduledWork.due_at <= now)
        .order_by(ScheduledWork.due_at, ScheduledWork.id)
        .execution_options(populate_existing=True)
    )
    return list(session.scalars(query))


def next_due(session: Session) -> datetime | None:
    """When the soonest row comes due (one read of the end of the due-time index)."""
    return session.scalar(select(func.min(ScheduledWork.due_at)))


def done(session: Session, row: ScheduledWork, again_at: datetime | None) -> None:
    """Finish the row taken: delete it, or make it due again at ``again_at``."""
    if again_at is None:
        session.delete(row)
    else:
        row.due_at, row.attempts, row.last_error = again_at, 0, None


def failed(row: ScheduledWork, error: str, retry_at: datetime) -> None:
    """The job raised (a bug): keep the row, due again at ``retry_at``, with the error noted."""
    row.due_at, row.attempts, row.last_error = retry_at, row.attempts + 1, error[:200]


def take_turn(session: Session, name: str, now: datetime, every: timedelta) -> bool:
    """Whether this replica runs the periodic job ``name`` now (and no other until ``every`` has
    passed): the one whose update moves its next time forward."""
    statement = insert_for(dialect_of(session), PeriodicRun.__table__).values(name=name, next_at=now)
    session.execute(statement.on_conflict_do_nothing(index_elements=["name"]))
    taken = session.execute(
        update(PeriodicRun)
        .where(PeriodicRun.name == name, PeriodicRun.next_at <= now)
        .values(next_at=now + every)
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]
    return bool(taken)
