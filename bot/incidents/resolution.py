"""Resolving, reopening and closing an incident."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from bot import work
from bot.db.engine import transaction
from bot.db.models import ENDED_STATUSES, Incident, Status
from bot.errors import InputError
from bot.incidents import escalation, queries, timeline
from bot.incidents.updates import cadence, plan_reminder
from bot.policy import Policy
from bot.text import clean_block

SUMMARY_MAX = 2000
ROOT_CAUSE_MAX = 1000
FIX_MAX = 1000


class WrongState(Exception):
    """The incident is not in a state that allows this (resolving twice, reopening an open one)."""


def validate(summary: str, root_cause: str, fix: str) -> tuple[str, str, str]:
    summary, root_cause, fix = clean_block(summary), clean_block(root_cause), clean_block(fix)
    errors: dict[str, str] = {}
    if not summary:
        errors["summary"] = "Say what happened: the summary is required."
    for field, label, value, limit in (
        ("summary", "The summary", summary, SUMMARY_MAX),
        ("root_cause", "The root cause", root_cause, ROOT_CAUSE_MAX),
        ("fix", "The fix", fix, FIX_MAX),
    ):
        if len(value) > limit:
            errors[field] = f"{label} is {len(value)} characters; at most {limit} are allowed."
    if errors:
        raise InputError(errors)
    return summary, root_cause, fix


def resolve(
    sessions: sessionmaker[Session],
    policy: Policy,
    incident_id: int,
    actor: str,
    now: datetime,
    *,
    summary: str,
    root_cause: str = "",
    fix: str = "",
) -> Incident | None:
    """Resolve: stop reminders and escalations, plan the postmortem reminder. None: already resolved."""
    summary, root_cause, fix = validate(summary, root_cause, fix)
    with transaction(sessions) as session:
        incident = queries.lock(session, incident_id)
        if incident.status in (s.value for s in ENDED_STATUSES):
            return None
        previous = incident.status
        incident.status = Status.RESOLVED.value
        incident.resolved_at = now
        incident.summary, incident.root_cause, incident.fix = summary, root_cause, fix
        incident.next_update_at = None
        # Pending triggers are dropped (no paging about a resolved incident); sent ones get a resolve.
        work.cancel_all_but(session, incident.id, keep=(work.SLACK_SETUP, work.FOLLOW_UP))
        escalation.resolve_pages(session, incident, now)
        work.schedule(session, incident.id, work.POSTMORTEM_REMINDER, now + policy.postmortem_reminder_after)
        timeline.record(session, incident, "resolved", now, actor, previous=previous, summary=summary)
    return _reload(sessions, incident_id)


def reopen(
    sessions: sessionmaker[Session], policy: Policy, incident_id: int, actor: str, now: datetime
) -> Incident:
    """Back to Investigating: reminders resume on the severity's cadence, counted from now."""
    with transaction(sessions) as session:
        incident = queries.lock(session, incident_id)
        if incident.status not in (s.value for s in ENDED_STATUSES):
            raise WrongState(f"{incident.ref} is not resolved; it is {incident.status}.")
        previous = incident.status
        incident.status = Status.INVESTIGATING.value
        incident.resolved_at = None
        incident.closed_at = None
        work.cancel(session, incident.id, work.POSTMORTEM_REMINDER)
        every = cadence(policy, incident)
        plan_reminder(session, policy, incident, now + every if every else None)
        timeline.record(session, incident, "reopened", now, actor, previous=previous)
        session.flush()
        escalation.plan(session, policy, incident, now)
    return _reload(sessions, incident_id)


def close(sessions: sessionmaker[Session], incident_id: int, actor: str, now: datetime) -> Incident | None:
    """The postmortem is done: Closed for good. None when it was closed already."""
    with transaction(sessions) as session:
        incident = queries.lock(session, incident_id)
        if incident.status == Status.CLOSED.value:
            return None
        if incident.status != Status.RESOLVED.value:
            raise WrongState(f"{incident.ref} is {incident.status}; resolve it before closing it.")
        incident.status = Status.CLOSED.value
        incident.closed_at = now
        work.cancel_all_but(session, incident.id, keep=work.KEEP_AFTER_END)
        timeline.record(session, incident, "closed", now, actor)
    return _reload(sessions, incident_id)


def _reload(sessions: sessionmaker[Session], incident_id: int) -> Incident:
    with sessions() as session:
        return session.get_one(Incident, incident_id)
