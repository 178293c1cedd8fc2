"""Reading what the bot (a separate process) stored, from the tests."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from bot.db.models import Incident, OutboxEffect, TimelineEvent

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


def pending_effects(database_url: str) -> list[OutboxEffect]:
    """Slack effects the bot still owes (not delivered, not given up)."""
    query = select(OutboxEffect).where(OutboxEffect.state == "pending").order_by(OutboxEffect.id)
    return read(database_url, lambda s: list(s.scalars(query)))


def effects(database_url: str, state: str | None = None) -> list[OutboxEffect]:
    query = select(OutboxEffect).order_by(OutboxEffect.id)
    if state is not None:
        query = query.where(OutboxEffect.state == state)
    return read(database_url, lambda s: list(s.scalars(query)))


def owed(database_url: str) -> int:
    """How many Slack effects the bot still owes (one count: cheap to ask often)."""
    query = select(func.count()).select_from(OutboxEffect).where(OutboxEffect.state == "pending")
    return read(database_url, lambda s: int(s.scalar(query) or 0))


def wait_settled(database_url: str, timeout: float = 20) -> None:
    """Wait until the bot owes Slack nothing more."""
    deadline = time.monotonic() + timeout
    # one read decides: a count of nothing, then a list read a moment later, could see what a
    # scheduled reminder owed in between
    while (left := pending_effects(database_url)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not left, [(e.key, e.attempts, e.last_error) for e in left]
