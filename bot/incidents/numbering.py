"""Incident numbers: sequential per year, unique however many people declare at once."""

from __future__ import annotations

import functools
from typing import Any, cast

from sqlalchemy import Table
from sqlalchemy.orm import Session

from bot.db.dialect import dialect_of, insert_for
from bot.db.models import IncidentCounter


def next_number(session: Session, year: int) -> int:
    """Take the next number for ``year``. The counter row stays locked until the transaction ends."""
    return int(session.execute(_take_statement(dialect_of(session)), {"year": year}).scalar_one())


# Built once, run with parameters: every declare takes a number while its year's counter is locked.
# One statement: the year's first number creates its counter, every later one increments it.
@functools.cache
def _take_statement(dialect: str) -> Any:
    table = cast(Table, IncidentCounter.__table__)
    statement = insert_for(dialect, table).values(last_number=1)
    return statement.on_conflict_do_update(
        index_elements=["year"], set_={"last_number": table.c.last_number + 1}
    ).returning(table.c.last_number)
