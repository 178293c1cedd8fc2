"""Drills: a rehearsal declared from a scenario, marked as a drill everywhere, with timed injects
in its channel and a score card when it is resolved. It never pages anyone and never tells
leadership (bot/incidents/effects.py, escalation.py); reports leave drills out unless asked."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.config.policy import Policy
from bot.db.models import OPEN, Incident, ScheduledWork, TimelineEvent
from bot.incidents import declare as declaring
from bot.incidents import effects
from bot.incidents.scenarios import Scenario


def start(
    sessions: sessionmaker[Session],
    policy: Policy,
    scenario: Scenario,
    actor: str,
    now: datetime,
    *,
    source_key: str | None = None,
    reply_url: str | None = None,
) -> tuple[Incident, bool]:
    """Declare the drill (nobody in command: taking it is part of the rehearsal)."""
    declaration = declaring.validate(
        policy,
        title=scenario.title,
        severity=scenario.severity,
        impact=scenario.impact,
        description=scenario.description,
        service=scenario.service,
        declared_by=actor,
        source_key=source_key,
        reply_url=reply_url,
        fields=scenario.fields,
    )
    injects = tuple((inject.after, inject.text) for inject in scenario.injects)
    return declaring.declare(sessions, policy, replace(declaration, drill=scenario.key, injects=injects), now)


def inject(session: Session, policy: Policy, incident: Incident, row: ScheduledWork, now: datetime) -> None:
    """An inject falls due: say it in the drill's channel while the drill is open."""
    if incident.status in OPEN:
        text = str((row.details or {}).get("text") or "")
        cause = f"inject:{row.key}"
        effects.post(session, policy, incident, effects.INCIDENT, "drill_inject", cause, now, text=text)


def scenario_of(session: Session, incident: Incident) -> str | None:
    """The scenario a drill was started from."""
    query = select(TimelineEvent.details).where(
        TimelineEvent.incident_id == incident.id, TimelineEvent.kind == "declared"
    )
    details = session.scalars(query).first() or {}
    drill = details.get("drill")
    return str(drill) if drill else None
