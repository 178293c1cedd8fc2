"""What templates are given: plain facts about incidents, computed once, named for the template."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from bot.config.policy import COMMANDER_ROLE, TECH_LEAD_ROLE, Policy, Role, Severity
from bot.db.models import Incident
from bot.durations import humanize_duration
from bot.incidents import tickets
from bot.incidents.fields import display, values_of


@dataclass(frozen=True)
class RoleLine:
    role: Role
    holder: str | None


@dataclass(frozen=True)
class FieldLine:
    label: str
    value: str  # plain text (options joined with commas), or a user id when ``is_user``
    is_user: bool


@dataclass(frozen=True)
class IncidentFacts:
    id: int
    ref: str
    title: str
    severity: Severity
    status: str
    impact: str
    description: str
    service: str
    declared_by: str
    declared_at: datetime
    resolved_at: datetime | None
    channel_id: str | None
    commander: str | None
    tech_lead: str | None
    roles: list[RoleLine]
    cadence: str | None
    age: str
    next_update_at: datetime | None
    summary: str
    root_cause: str
    fix: str
    responders: list[str]  # everyone who held a role, in the order they first took one
    fields: list[FieldLine]  # the custom fields shown in the announcement, when set
    is_drill: bool  # a rehearsal: marked as one wherever it is shown
    is_private: bool = False  # outside its channel, only its existence and severity are shown
    bridge: str | None = None  # the severity's standing conference bridge, from the policy


def facts(policy: Policy, incident: Incident, now: datetime) -> IncidentFacts:
    severity = policy.find_severity(incident.severity) or Severity(
        key=incident.severity, label="Unknown", response_target="next-business-day"
    )
    cadence = severity.update_cadence
    return IncidentFacts(
        id=incident.id,
        ref=incident.ref,
        title=incident.title,
        severity=severity,
        status=incident.status,
        impact=incident.impact,
        description=incident.description,
        service=incident.service,
        declared_by=incident.declared_by,
        declared_at=incident.declared_at,
        resolved_at=incident.resolved_at,
        channel_id=incident.channel_id,
        commander=incident.holder(COMMANDER_ROLE),
        tech_lead=incident.holder(TECH_LEAD_ROLE),
        roles=[RoleLine(role, incident.holder(role.key)) for role in policy.roles],
        cadence=humanize_duration(cadence) if cadence else None,
        age=humanize_duration((incident.resolved_at or now) - incident.declared_at),
        next_update_at=incident.next_update_at,
        summary=incident.summary,
        root_cause=incident.root_cause,
        fix=incident.fix,
        responders=list(dict.fromkeys(r.user_id for r in incident.roles)),
        fields=[
            FieldLine(f.label, display(value), f.type == "user")
            for f, value in values_of(policy, incident, announced_only=True)
        ],
        is_drill=bool(incident.is_drill),
        is_private=bool(incident.is_private),
        bridge=policy.bridge_for(incident.severity),
    )


@dataclass(frozen=True)
class TicketLink:
    key: str  # as the tracker names it (OPS-12, 42, ENG-7)
    url: str


def ticket_links(session: Session, incident_id: int) -> dict[int, TicketLink]:
    """The tickets of an incident's follow-ups, by follow-up id, with a link safe in mrkdwn."""
    links: dict[int, TicketLink] = {}
    for item_id, ref in tickets.links(session, incident_id).items():
        url = ref.url or ""
        if re.match(r"^https?://[^\s<>|]+$", url):
            links[item_id] = TicketLink(str(ref.external_id), url)
    return links
