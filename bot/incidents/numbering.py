"""Incident numbers: sequential per year, unique however many people declare at once."""

from __future__ import annotations

import functools
from typing import Any, cast

from sqlalchemy import Table, bindparam, update
from sqlalchemy.orm import Session

from bot.db.dialect import dialect_of, insert_for
from bot.db.models import IncidentCounter


def next_number(session: Session, year: int) -> int:
    """Take the next number for ``year``. The counter row stays locked until the transaction ends."""
    session.execute(_counter_statement(dialect_of(session)), {"year": year, "last_number": 0})
    return int(session.execute(_take_statement(), {"counter_year": year}).scalar_one())


# Built once, run with parameters: every declare takes a number while its year's counter is locked.
@functools.cache
def _counter_statement(dialect: str) -> Any:
    return insert_for(dialect, IncidentCounter.__table__).on_conflict_do_nothing(index_elements=["year"])


@functools.cache
def _take_statement() -> Any:
    table = cast(Table, IncidentCounter.__table__)
    return (
        update(table)
        .where(table.c.year == bindparam("counter_year"))
        .values(last_number=table.c.last_number + 1)
        .returning(table.c.last_number)
    )
