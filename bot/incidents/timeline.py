"""Writing timeline events: every change to an incident is recorded with it, in its transaction."""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session

from bot.db.models import Incident, TimelineEvent


def record(
    session: Session, incident: Incident, kind: str, at: datetime, actor: str | None, **details: Any
) -> TimelineEvent:
    event = TimelineEvent(incident_id=incident.id, at=at, actor=actor, kind=kind, details=details)
    session.add(event)
    return event


# An event to record with others: (kind, at, actor, details).
Entry = tuple[str, datetime, str | None, dict[str, Any]]


def record_all(session: Session, incident_id: int, entries: list[Entry]) -> list[int]:
    """Several events in one statement (a declare records three), flushed at once: their ids, in
    order. Cheaper than ``record``'s objects where nothing else needs the events themselves."""
    rows = [
        {"incident_id": incident_id, "at": at, "actor": actor, "kind": kind, "details": details}
        for kind, at, actor, details in entries
    ]
    return list(session.execute(_record_all_statement(), rows).scalars())


@functools.cache
def _record_all_statement() -> Any:
    table = cast(Table, TimelineEvent.__table__)
    return insert(table).returning(table.c.id, sort_by_parameter_order=True)


def events(session: Session, incident_id: int) -> list[TimelineEvent]:
    query = (
        select(TimelineEvent)
        .where(TimelineEvent.incident_id == incident_id)
        .order_by(TimelineEvent.at, TimelineEvent.id)
    )
    return list(session.scalars(query))
