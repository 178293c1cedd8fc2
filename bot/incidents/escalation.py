"""Escalation: planning the tiers of an incident's severity, and deciding at fire time whether one
still applies. Each tier fires at most once per incident; its key is ``<severity>:<index>``
(``<severity>:declare`` for the at-once notifications), so a severity change never replays a
tier already fired.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.config.escalation import Target, Tier
from bot.config.policy import COMMANDER_ROLE, Policy
from bot.db.models import OPEN, Incident, StatusUpdate, TimelineEvent
from bot.durations import humanize_duration
from bot.incidents import effects, timeline, work
from bot.incidents.business_hours import next_business_morning
from bot.incidents.owed import OnCallTell, PageAction

AT_DECLARE = "declare"


@dataclass(frozen=True)
class Notice:
    """A tier that is due and still applies: who to tell and why."""

    key: str
    targets: list[tuple[str, Target]]
    reason: str
    unacknowledged: bool


def fired(session: Session, incident_id: int) -> set[str]:
    query = select(TimelineEvent.details).where(
        TimelineEvent.incident_id == incident_id, TimelineEvent.kind == "escalated"
    )
    return {str(details.get("tier")) for details in session.scalars(query)}


def _due(policy: Policy, incident: Incident, tier: Tier, start: datetime) -> datetime:
    if isinstance(tier.after, timedelta):
        return start + tier.after
    return next_business_morning(start, policy.escalation.working_hours)


def reaches(policy: Policy, names: tuple[str, ...]) -> bool:
    """Whether any of the named targets names anyone (a target nobody filled in is skipped)."""
    targets = policy.escalation.targets
    return any(name in targets and targets[name].reachable for name in names)


def plan(session: Session, policy: Policy, incident: Incident, now: datetime, fresh: bool = False) -> None:
    """(Re)plan the time-based tiers of the incident's severity, counted from its declaration.

    Tiers already past fire now, once; tiers fired before (under any severity key) do not again.
    A ``fresh`` incident (being declared) has nothing planned or fired yet.
    """
    if not fresh:
        work.cancel(session, incident.id, work.ESCALATION)
    if incident.status not in OPEN or incident.is_drill:  # a rehearsal never wakes anyone
        return
    severity = incident.severity
    config = policy.escalation.for_severity(severity)
    tiers = [
        (i, t) for i, t in enumerate(config.tiers) if t.when != "update-overdue" and reaches(policy, t.notify)
    ]
    at_declare = reaches(policy, config.at_declare)
    if not tiers and not at_declare:
        return  # nobody is configured to be told: nothing to plan (the default, until targets are filled in)
    done = set() if fresh else fired(session, incident.id)
    if at_declare and f"{severity}:{AT_DECLARE}" not in done:
        work.schedule(session, incident.id, work.ESCALATION, now, key=f"{severity}:{AT_DECLARE}")
    for index, tier in tiers:
        key = f"{severity}:{index}"
        if key in done:
            continue
        due = max(now, _due(policy, incident, tier, incident.declared_at))
        work.schedule(session, incident.id, work.ESCALATION, due, key=key)


def after_reminder(session: Session, policy: Policy, incident: Incident, reminded_at: datetime) -> None:
    """A reminder went out: arm the update-overdue tiers, unless each has fired already."""
    if incident.is_drill:
        return
    tiers = policy.escalation.for_severity(incident.severity).tiers
    overdue = [
        (f"{incident.severity}:{index}", tier)
        for index, tier in enumerate(tiers)
        if tier.when == "update-overdue" and reaches(policy, tier.notify)
    ]
    done = fired(session, incident.id) if overdue else set()  # (a query only when a tier applies)
    for key, tier in overdue:
        if key in done:
            continue
        if work.due_at(session, incident.id, work.ESCALATION, key) is None:
            due = _due(policy, incident, tier, reminded_at)
            work.schedule(
                session, incident.id, work.ESCALATION, due, key=key, reminded_at=reminded_at.isoformat()
            )


def _updated_since(session: Session, incident_id: int, since: datetime) -> bool:
    query = select(StatusUpdate.id).where(StatusUpdate.incident_id == incident_id, StatusUpdate.at >= since)
    return session.scalars(query).first() is not None


def due_notice(
    session: Session, policy: Policy, incident: Incident, key: str, details: dict[str, str], now: datetime
) -> Notice | None:
    """The notice for a due tier if it still applies (right severity, condition holds, not fired)."""
    severity, _, which = key.partition(":")
    if severity != incident.severity or incident.status not in OPEN or key in fired(session, incident.id):
        return None
    config = policy.escalation.for_severity(severity)
    age = humanize_duration(now - incident.declared_at)
    if which == AT_DECLARE:
        names = config.at_declare
        reason = f"{incident.severity} incident declared"
        unacknowledged = incident.holder(COMMANDER_ROLE) is None
    else:
        index = int(which)
        if index >= len(config.tiers):
            return None
        tier = config.tiers[index]
        names = tier.notify
        unacknowledged = incident.holder(COMMANDER_ROLE) is None  # nobody in command now
        if tier.when == "unacknowledged":
            if not unacknowledged:
                return None
            reason = f"No commander after {age}"
        elif tier.when == "update-overdue":
            reminded = datetime.fromisoformat(details.get("reminded_at", incident.declared_at.isoformat()))
            if _updated_since(session, incident.id, reminded):
                return None
            silent = humanize_duration(now - reminded)
            reason = f"No update for {silent} after the reminder (gone silent)"
        else:
            reason = f"Still unresolved after {age}"
    targets = [(name, policy.escalation.targets[name]) for name in names if name in policy.escalation.targets]
    targets = [(name, target) for name, target in targets if target.reachable]
    if not targets:
        return None  # nobody configured for this tier: nothing to send, nothing to record
    return Notice(key, targets, reason, unacknowledged)


def escalate(
    session: Session, policy: Policy, incident: Incident, key: str, details: dict[str, str], now: datetime
) -> None:
    """A tier came due: fire it if it still applies (right severity, condition holds, not fired)."""
    notice = due_notice(session, policy, incident, key, details, now)
    if notice is not None:
        fire(session, policy, incident, notice, now)


def fire(session: Session, policy: Policy, incident: Incident, notice: Notice, now: datetime) -> None:
    """Record the tier as fired, and owe everything it sends: a message to each person (their own
    direct message) and channel, a page to each pager, and a line in the incident channel."""
    event = timeline.record(
        session,
        incident,
        "escalated",
        now,
        None,
        tier=notice.key,
        targets=[n for n, _ in notice.targets],
        reason=notice.reason,
    )
    session.flush()
    cause = f"e{event.id}"
    # A private incident's details never leave its channel: people outside are asked to join it.
    message = "private_escalation" if incident.is_private else "escalation"
    data: dict[str, Any] = {
        "tier": notice.key,
        "reason": notice.reason,
        "unacknowledged": notice.unacknowledged,
    }
    at_declare = notice.key.endswith(f":{AT_DECLARE}")
    for name, target in notice.targets:
        for user in target.users:
            effects.tell(session, policy, incident, user, message, cause, now, usergroups=[], **data)
        for channel in target.channels:
            if at_declare and _announced_there(policy, incident, channel):
                continue  # the announcement is there already: one post, not two
            place = effects.channel(channel)
            shown = "private_notice" if incident.is_private else "escalation"
            effects.post(
                session,
                policy,
                incident,
                place,
                shown,
                cause,
                now,
                usergroups=list(target.usergroups),
                **data,
            )
        if target.pages:
            effects.page(session, policy, incident, name, "trigger", notice.reason, cause, now)
        if target.oncall and not incident.is_drill:  # whoever PagerDuty says is on call when it fires
            tell = OnCallTell(target=name, message=message, cause=cause, data={**data, "usergroups": []})
            effects.owe(
                session, incident, tell, effects.key(incident, cause, f"oncall:{name}"), f"oncall:{name}", now
            )
    effects.post(session, policy, incident, effects.INCIDENT, "change", cause, now, event_id=event.id)


def paged_targets(session: Session, incident_id: int) -> list[str]:
    """Targets a trigger page reached and no resolve has followed yet."""
    query = (
        select(TimelineEvent.details)
        .where(TimelineEvent.incident_id == incident_id, TimelineEvent.kind == "paged")
        .order_by(TimelineEvent.id)
    )
    open_pages: dict[str, bool] = {}
    for details in session.scalars(query):
        open_pages[str(details.get("target"))] = details.get("action") == "trigger"
    return [name for name, is_open in open_pages.items() if is_open]


def resolve_pages(session: Session, policy: Policy, incident: Incident, cause: str, now: datetime) -> None:
    """Owe a resolve event to every pager a trigger reached (PagerDuty closes the alert with it)."""
    for name in paged_targets(session, incident.id):
        effects.page(session, policy, incident, name, "resolve", "resolved", cause, now)


def paged(
    session: Session,
    policy: Policy,
    incident: Incident,
    target: str,
    action: PageAction,
    now: datetime,
    *,
    page: str,
    via: str,
) -> None:
    """A page reached one of its target's pagers (``via``). The timeline records the page once,
    when its first pager has it (``page`` names the page, whatever the pager). A trigger that landed
    after the incident was resolved gets its resolve too, so the alert does not stay open."""
    source = f"paged:{page}"[:100]
    if session.scalar(select(TimelineEvent.id).where(TimelineEvent.source_key == source)) is not None:
        return
    event = timeline.record(session, incident, "paged", now, None, target=target, action=action, via=via)
    event.source_key = source
    if action == "trigger" and incident.status not in OPEN:
        session.flush()
        effects.page(session, policy, incident, target, "resolve", "resolved", f"e{event.id}", now)


def _announced_there(policy: Policy, incident: Incident, channel: str) -> bool:
    """Whether the incident's announcement goes to ``channel`` (the leadership channel, for the
    severities it hears of)."""
    leadership = (policy.leadership_channel or "").lstrip("#")
    return (
        bool(leadership)
        and channel.lstrip("#") == leadership
        and policy.announces_to_leadership(incident.severity)
    )
