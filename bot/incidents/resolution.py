"""Resolving, reopening and closing an incident."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from bot.config.policy import COMMANDER_ROLE, Policy
from bot.db.engine import transaction
from bot.db.models import ENDED_STATUSES, Incident, Status
from bot.errors import InputError
from bot.incidents import alert_links, effects, escalation, permissions, queries, timeline, work
from bot.incidents.updates import cadence, plan_reminder
from bot.text import clean_block

SUMMARY_MAX = 2000
ROOT_CAUSE_MAX = 1000
FIX_MAX = 1000
# what each field of a resolution may hold, by the resolve form's field
LIMITS = {"summary": SUMMARY_MAX, "root_cause": ROOT_CAUSE_MAX, "fix": FIX_MAX}


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
    is_admin: bool = False,
) -> Incident | None:
    """Resolve: stop reminders and escalations, plan the postmortem reminder, announce it
    everywhere. None: already resolved (a double submit, or someone resolved it first)."""
    summary, root_cause, fix = validate(summary, root_cause, fix)
    with transaction(sessions) as session:
        incident = queries.lock(session, incident_id)
        if incident.status in (s.value for s in ENDED_STATUSES):
            return None
        permissions.check(policy, "resolve", incident, actor, is_admin)
        effects.close_reminder(session, policy, incident, f"resolve:{now.isoformat()}", now)
        previous = incident.status
        incident.status = Status.RESOLVED.value
        incident.resolved_at = now
        incident.summary, incident.root_cause, incident.fix = summary, root_cause, fix
        incident.next_update_at = None
        # Pages not sent yet are dropped when their turn comes; sent ones get a resolve.
        work.cancel_all_but(session, incident.id, keep=work.KEEP_AFTER_END)
        work.schedule(session, incident.id, work.POSTMORTEM_REMINDER, now + policy.postmortem_reminder_after)
        event = timeline.record(session, incident, "resolved", now, actor, previous=previous, summary=summary)
        session.flush()
        escalation.resolve_pages(session, policy, incident, f"e{event.id}", now)
        alert_links.tell_pagerduty(session, incident, "resolved", actor, now)
        _owe_resolution(session, policy, incident, f"e{event.id}", actor, now)
    return _reload(sessions, incident_id)


def _owe_resolution(
    session: Session, policy: Policy, incident: Incident, cause: str, actor: str, now: datetime
) -> None:
    """The resolution in the incident channel, the announcement channel and (when the severity
    calls for it) the leadership channel; outside its channel a private incident shows only that
    it ended. The announcements edited, and a status page draft for whoever writes it."""
    effects.post(session, policy, incident, effects.INCIDENT, "resolution", cause, now, actor=actor)
    outside = "private_notice" if incident.is_private else "resolution"
    effects.post(session, policy, incident, effects.ANNOUNCEMENTS, outside, cause, now, actor=actor)
    if policy.announces_to_leadership(incident.severity):
        effects.post(session, policy, incident, effects.LEADERSHIP, outside, cause, now, actor=actor)
    effects.refresh(session, policy, incident, now)
    if incident.is_drill:
        effects.post(session, policy, incident, effects.INCIDENT, "drill_score", cause, now)
    writer = policy.status_page_role
    to = (incident.holder(writer) if writer else None) or incident.holder(COMMANDER_ROLE)
    if to:
        effects.tell(
            session, policy, incident, to, "statuspage_draft", cause, now, actor=actor, stage="Resolved"
        )


def reopen(
    sessions: sessionmaker[Session],
    policy: Policy,
    incident_id: int,
    actor: str,
    now: datetime,
    is_admin: bool = False,
) -> Incident:
    """Back to Investigating: reminders resume on the severity's cadence, counted from now. Like
    resolving and closing, it is the commander's (or an admin's)."""
    with transaction(sessions) as session:
        incident = queries.lock(session, incident_id)
        if incident.status not in (s.value for s in ENDED_STATUSES):
            raise WrongState(f"{incident.ref} is not resolved; it is {incident.status}.")
        permissions.check(policy, "reopen", incident, actor, is_admin)
        previous = incident.status
        incident.status = Status.INVESTIGATING.value
        incident.resolved_at = None
        incident.closed_at = None
        work.cancel(session, incident.id, work.POSTMORTEM_REMINDER)
        every = cadence(policy, incident)
        plan_reminder(session, policy, incident, now + every if every else None)
        event = timeline.record(session, incident, "reopened", now, actor, previous=previous)
        session.flush()
        escalation.plan(session, policy, incident, now)
        effects.change(session, policy, incident, event, now)
    return _reload(sessions, incident_id)


def close(
    sessions: sessionmaker[Session],
    policy: Policy,
    incident_id: int,
    actor: str,
    now: datetime,
    is_admin: bool = False,
) -> Incident | None:
    """The postmortem is done: Closed for good. None when it was closed already."""
    with transaction(sessions) as session:
        incident = queries.lock(session, incident_id)
        if incident.status == Status.CLOSED.value:
            return None
        permissions.check(policy, "close", incident, actor, is_admin)
        if incident.status != Status.RESOLVED.value:
            raise WrongState(f"{incident.ref} is {incident.status}; resolve it before closing it.")
        incident.status = Status.CLOSED.value
        incident.closed_at = now
        work.cancel_all_but(session, incident.id, keep=work.KEEP_AFTER_END)
        event = timeline.record(session, incident, "closed", now, actor)
        effects.change(session, policy, incident, event, now)
    return _reload(sessions, incident_id)


def _reload(sessions: sessionmaker[Session], incident_id: int) -> Incident:
    with sessions() as session:
        return session.get_one(Incident, incident_id)
