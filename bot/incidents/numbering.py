"""Incident numbers: sequential per year, unique however many people declare at once."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from bot.db.dialect import upsert_insert
from bot.db.models import IncidentCounter


def next_number(session: Session, year: int) -> int:
    """Take the next number for ``year``. The counter row stays locked until the transaction ends."""
    session.execute(
        upsert_insert(session, IncidentCounter)
        .values(year=year, last_number=0)
        .on_conflict_do_nothing(index_elements=["year"])
    )
    number = session.execute(
        update(IncidentCounter)
        .where(IncidentCounter.year == year)
        .values(last_number=IncidentCounter.last_number + 1)
        .returning(IncidentCounter.last_number)
    ).scalar_one()
    return int(number)
