"""A row inserted in one plain statement and handed back as the object the session would have
loaded: for the few hot inserts (a declare's incident) where the ORM's unit of work costs more
than the statement."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from bot.db.models import Base

T = TypeVar("T", bound=Base)


def inserted(session: Session, model: type[T], values: Mapping[str, Any], **loaded: Any) -> T:
    """Insert ``values`` into ``model``'s table and return the row, every column as the database
    wrote it (defaults too), persistent in ``session``. ``loaded``: relationships to show as
    loaded already, with these objects (persistent ones, or empty lists)."""
    row = session.execute(_statement(model), dict(values)).one()
    obj = model(**row._mapping)
    make_transient_to_detached(obj)  # as loaded: nothing left to flush
    shown_loaded(obj, **loaded)
    session.add(obj)
    return obj


def shown_loaded(obj: Base, **relationships: Any) -> None:
    """Set relationships as though loaded from the database: nothing to flush, nothing to load."""
    for name, value in relationships.items():
        set_committed_value(obj, name, value)


@functools.cache
def _statement(model: type[Base]) -> Any:
    table = cast(Table, model.__table__)
    return insert(table).returning(*table.c)
