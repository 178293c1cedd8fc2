"""Writing timeline events: every change to an incident is recorded with it, in its transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.models import Incident, TimelineEvent


def record(
    session: Session, incident: Incident, kind: str, at: datetime, actor: str | None, **details: Any
) -> TimelineEvent:
    event = TimelineEvent(incident_id=incident.id, at=at, actor=actor, kind=kind, details=details)
    session.add(event)
    return event


def events(session: Session, incident_id: int) -> list[TimelineEvent]:
    query = (
        select(TimelineEvent)
        .where(TimelineEvent.incident_id == incident_id)
        .order_by(TimelineEvent.at, TimelineEvent.id)
    )
    return list(session.scalars(query))
