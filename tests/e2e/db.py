"""Reading what the bot (a separate process) stored, from the tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from bot.db.models import Incident, TimelineEvent

T = TypeVar("T")


def read(database_url: str, query: Callable[[Session], T]) -> T:
    engine = create_engine(database_url)
    try:
        with Session(engine) as session:
            return query(session)
    finally:
        engine.dispose()


def incidents(database_url: str) -> list[Incident]:
    return read(database_url, lambda s: list(s.scalars(select(Incident).order_by(Incident.id))))


def timeline_kinds(database_url: str) -> list[str]:
    return read(
        database_url, lambda s: list(s.scalars(select(TimelineEvent.kind).order_by(TimelineEvent.id)))
    )


def events(database_url: str, kind: str) -> list[TimelineEvent]:
    query = select(TimelineEvent).where(TimelineEvent.kind == kind).order_by(TimelineEvent.id)
    return read(database_url, lambda s: list(s.scalars(query)))
