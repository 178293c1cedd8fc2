"""Declaring an incident: validate what was typed, then commit it with its first timeline events."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.config.policy import COMMANDER_ROLE, Policy
from bot.db.engine import transaction
from bot.db.inserted import inserted, shown_loaded
from bot.db.models import Alert, Incident, RoleAssignment, Status
from bot.errors import InputError
from bot.incidents import alert_links, effects, escalation, tickets, timeline, work
from bot.incidents.fields import FieldValue, Raw, validate_values
from bot.incidents.numbering import next_number
from bot.outbox import store as outbox
from bot.text import clean_block, clean_line

TITLE_MAX = 120
IMPACT_MAX = 1500
DESCRIPTION_MAX = 2500
SERVICE_MAX = 80
# what each field of a declaration may hold, by the declare form's field
LIMITS = {"title": TITLE_MAX, "impact": IMPACT_MAX, "description": DESCRIPTION_MAX, "service": SERVICE_MAX}


@dataclass(frozen=True)
class Declaration:
    """A validated request to declare an incident."""

    title: str
    severity: str
    declared_by: str
    impact: str = ""
    description: str = ""
    service: str = ""
    commander: str | None = None
    source_key: str | None = None
    reply_url: str | None = None
    is_private: bool = False
    responders: tuple[str, ...] = ()
    fields: dict[str, FieldValue] = dataclass_field(default_factory=dict)
    drill: str | None = None  # a rehearsal: the scenario's key
    injects: tuple[tuple[timedelta, str], ...] = ()  # a drill's injects: when (after the start), what
    alert_ids: tuple[int, ...] = ()  # alerts it is declared from: linked to it


def _limit(errors: dict[str, str], field: str, label: str, value: str, limit: int) -> None:
    if len(value) > limit:
        errors[field] = f"{label} is {len(value)} characters; at most {limit} are allowed."


def validate(
    policy: Policy,
    *,
    title: str,
    severity: str,
    declared_by: str,
    impact: str = "",
    description: str = "",
    service: str = "",
    commander: str | None = None,
    source_key: str | None = None,
    reply_url: str | None = None,
    is_private: bool = False,
    responders: tuple[str, ...] = (),
    fields: Mapping[str, Raw] | None = None,
) -> Declaration:
    """Check and clean a declaration; raise InputError naming each bad field and what is allowed."""
    errors: dict[str, str] = {}
    values: dict[str, FieldValue] = {}
    try:
        values = validate_values(policy, fields or {})
    except InputError as error:
        errors.update({f"field:{key}": text for key, text in error.fields.items()})
    title = clean_line(title)
    impact, description = clean_block(impact), clean_block(description)
    service = clean_line(service)
    if not title:
        errors["title"] = "A title is required: say in a few words what is broken."
    _limit(errors, "title", "The title", title, TITLE_MAX)
    _limit(errors, "impact", "The impact", impact, IMPACT_MAX)
    _limit(errors, "description", "The description", description, DESCRIPTION_MAX)
    _limit(errors, "service", "The service", service, SERVICE_MAX)
    found = policy.find_severity(severity)
    if found is None:
        errors["severity"] = (
            f"{severity or 'No severity'} is not a severity; choose one of {allowed(policy)}."
        )
    if errors:
        raise InputError(errors)
    assert found is not None
    return Declaration(
        title=title,
        severity=found.key,
        declared_by=declared_by,
        impact=impact,
        description=description,
        service=service,
        commander=commander,
        source_key=source_key,
        reply_url=reply_url,
        is_private=is_private,
        responders=tuple(dict.fromkeys(responders)),
        fields=values,
    )


def allowed(policy: Policy) -> str:
    return ", ".join(f"{s.key} ({s.label})" for s in policy.severities)


def declare(
    sessions: sessionmaker[Session], policy: Policy, declaration: Declaration, now: datetime
) -> tuple[Incident, bool]:
    """Commit the incident, its commander, timeline, scheduled work and everything it owes Slack
    (its channel, invitations, announcements, topic, the declarer's confirmation) in one
    transaction. Returns (incident, created); the same ``source_key`` (a double submit, a retried
    request) returns the incident it made.

    A repeat is found by its unique ``source_key`` refusing the insert, not by a look beforehand:
    repeats are rare, and every declare would pay for the look. The repeat's transaction rolls
    back whole, its number with it; it waits for the year's counter as a declare does (and
    PostgreSQL logs the refused insert)."""
    try:
        with transaction(sessions) as session:
            incident = create(session, policy, declaration, now)
        return incident, True
    except IntegrityError:
        if declaration.source_key:
            existing = _by_source(sessions, declaration.source_key)
            if existing is not None:
                return existing, False
        raise


def create(session: Session, policy: Policy, declaration: Declaration, now: datetime) -> Incident:
    """The incident, in the caller's transaction: its commander, timeline, scheduled work, the alerts
    it is declared from, and everything it owes Slack.

    Written in as few statements as it can (declares take numbers one after another, so this is
    the time the next declare waits): the incident and its commander in plain inserts rather than
    the ORM's unit of work, its first timeline events in one insert, every effect in another.
    (Linking the alerts it is declared from, when there are any, goes through the ORM as any
    later change does.)"""
    commander = declaration.commander
    cadence = policy.severity(declaration.severity).update_cadence
    values: dict[str, Any] = {
        "year": now.year,
        "number": next_number(session, now.year),
        "title": declaration.title,
        "severity": declaration.severity,
        "status": Status.INVESTIGATING.value,
        "impact": declaration.impact,
        "description": declaration.description,
        "service": declaration.service,
        "declared_by": declaration.declared_by,
        "declared_at": now,
        "acknowledged_at": now if commander else None,
        "next_update_at": now + cadence if cadence else None,
        "source_key": declaration.source_key,
        "is_private": declaration.is_private,
        "fields": dict(declaration.fields),
        "is_drill": declaration.drill is not None,
    }
    incident = inserted(session, Incident, values, roles=[], messages=[])
    if commander:
        role: dict[str, Any] = {"incident_id": incident.id, "role": COMMANDER_ROLE, "user_id": commander}
        role |= {"assigned_by": declaration.declared_by, "assigned_at": now}
        shown_loaded(incident, roles=[inserted(session, RoleAssignment, role, incident=incident)])
    events = timeline.record_all(session, incident.id, _first_events(incident, declaration, now))
    with outbox.together(session):
        if commander:
            # the commander's duties (and the bridge), as whoever takes a role later hears them
            effects.tell(
                session, policy, incident, commander, "role_dm", "declare", now,
                actor=declaration.declared_by, event_id=events[1],
            )  # fmt: skip
        _owe_declared(session, policy, incident, declaration, now)
    if cadence:
        work.schedule(session, incident.id, work.UPDATE_REMINDER, now + cadence)
    escalation.plan(session, policy, incident, now, fresh=True)
    for n, (after, text) in enumerate(declaration.injects):
        work.schedule(session, incident.id, work.DRILL_INJECT, now + after, key=str(n), text=text)
    if policy.tracker is not None and policy.tracker.incident_ticket:
        tickets.owe_ticket(session, policy, incident, None, now)
    for alert_id in declaration.alert_ids:
        alert = session.get(Alert, alert_id)
        if alert is not None:
            alert_links.link(session, policy, incident, alert, declaration.declared_by, now)
    return incident


def _first_events(incident: Incident, declaration: Declaration, now: datetime) -> list[timeline.Entry]:
    """Declared; and with a commander named, the role taken (second) and the incident acknowledged."""
    details = {
        "title": incident.title,
        "severity": incident.severity,
        "private": incident.is_private,
        "responders": list(declaration.responders),
        "drill": declaration.drill,
    }
    events: list[timeline.Entry] = [("declared", now, declaration.declared_by, details)]
    if declaration.commander:
        role = {"role": COMMANDER_ROLE, "user": declaration.commander}
        events.append(("role_assigned", now, declaration.declared_by, role))
        events.append(("acknowledged", now, declaration.commander, {}))
    return events


def _owe_declared(
    session: Session, policy: Policy, incident: Incident, declaration: Declaration, now: datetime
) -> None:
    """In the incident's channel lane, in this order: the channel, its people, the announcement
    (pinned), the topic, then the declarer's confirmation; elsewhere, the announcements."""
    effects.create_channel(session, policy, incident, now)
    people = [declaration.declared_by, declaration.commander or declaration.declared_by]
    effects.invite(session, policy, incident, people + list(declaration.responders), "declare", now)
    effects.announce(session, policy, incident, effects.INCIDENT, now)
    effects.set_topic(session, policy, incident, now, fresh=True)
    bridge = policy.bridge_for(incident.severity)
    if bridge:
        effects.bookmark(session, policy, incident, "Bridge", bridge, now)
    effects.reply(
        session, policy, incident, "declared_reply", "declare", now,
        user=declaration.declared_by, url=declaration.reply_url,
    )  # fmt: skip
    effects.announce(session, policy, incident, effects.ANNOUNCEMENTS, now)
    if policy.announces_to_leadership(incident.severity):
        effects.announce(session, policy, incident, effects.LEADERSHIP, now)


def _by_source(sessions: sessionmaker[Session], source_key: str) -> Incident | None:
    with sessions() as session:
        found = session.scalars(select(Incident.id).where(Incident.source_key == source_key)).one_or_none()
        return None if found is None else session.get_one(Incident, found)
