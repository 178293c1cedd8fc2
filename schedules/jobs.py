"""What the scheduler does with each kind of due work: ask the domain, inside the transaction that
took the row. A job returns when the row is due again, or None when it is done. No job talks to
Slack: what a decision owes Slack is written to the outbox in the same transaction."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session

from bot.config.policy import Policy
from bot.db.models import Incident, ScheduledWork
from bot.incidents import drills, escalation, followups, reminders, work

Job = Callable[[Session, Policy, Incident, ScheduledWork, datetime], datetime | None]


def remind_update(
    session: Session, policy: Policy, incident: Incident, row: ScheduledWork, now: datetime
) -> datetime | None:
    return reminders.remind_update(session, policy, incident, now)


def remind_postmortem(
    session: Session, policy: Policy, incident: Incident, row: ScheduledWork, now: datetime
) -> datetime | None:
    reminders.remind_postmortem(session, policy, incident, now)
    return None


def escalate(
    session: Session, policy: Policy, incident: Incident, row: ScheduledWork, now: datetime
) -> datetime | None:
    escalation.escalate(session, policy, incident, row.key, dict(row.details or {}), now)
    return None


def drill_inject(
    session: Session, policy: Policy, incident: Incident, row: ScheduledWork, now: datetime
) -> datetime | None:
    drills.inject(session, policy, incident, row, now)
    return None


def remind_follow_up(
    session: Session, policy: Policy, incident: Incident, row: ScheduledWork, now: datetime
) -> datetime | None:
    return followups.remind(session, policy, incident, int(row.key), now)


JOBS: dict[str, Job] = {
    work.UPDATE_REMINDER: remind_update,
    work.POSTMORTEM_REMINDER: remind_postmortem,
    work.ESCALATION: escalate,
    work.FOLLOW_UP: remind_follow_up,
    work.DRILL_INJECT: drill_inject,
}
