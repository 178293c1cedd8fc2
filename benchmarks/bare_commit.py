"""The physical floor of saving a declare: the rows one real declare writes, written again with plain
inserts in one transaction and committed, with none of the bot's code in between.

At start a real declare (the domain's, in this process) fills an empty database once; the rows it
wrote (the incident and every row that names it, the counter it advanced) are read back and kept.
Each ``commit`` then writes a copy of them: the same tables, the same number of rows, the same
sizes, with fresh ids and fresh values in the columns that must be unique. On SQLite, which takes
one writer at a time, the writers of the process take turns on a lock (as the bot's do, rather
than polling SQLite's busy handler, whose sleeps grow to 100 ms).
"""

from __future__ import annotations

import contextlib
import itertools
import os
import threading
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Integer, String, Table, UniqueConstraint, create_engine, insert, select, update
from sqlalchemy.engine import Engine

from bot.config.policy import Policy
from bot.db.engine import make_engine, make_session_factory
from bot.db.migrate import upgrade
from bot.db.models import Base, Incident, IncidentCounter
from bot.incidents import declare as declaring


class BareCommit:
    def __init__(self, url: str) -> None:
        upgrade(url)
        engine = make_engine(url)
        policy = Policy()
        declaration = declaring.validate(  # as the fast path declares (handlers/declare.py)
            policy,
            title="Benchmark incident 0",
            severity="P3",
            declared_by="U0FLOOR",
            commander="U0FLOOR",
            source_key="command:floor",
            reply_url="https://hooks.slack.com/commands/T0TEST/1/floor",
        )
        incident, _ = declaring.declare(make_session_factory(engine), policy, declaration, datetime.now(UTC))
        engine.dispose()
        self.engine: Engine = create_engine(url)
        self.one_writer = threading.Lock() if url.startswith("sqlite") else contextlib.nullcontext()
        self.numbers = itertools.count(1_000_000)
        self.incident: dict[str, Any] = {}
        self.children: list[tuple[Table, list[dict[str, Any]]]] = []
        incidents: Table = Incident.__table__  # type: ignore[assignment]
        with self.engine.connect() as connection:
            self.incident = dict(
                connection.execute(select(incidents).where(incidents.c.id == incident.id)).one()._mapping
            )
            for table in Base.metadata.sorted_tables:
                if table is not incidents and "incident_id" in table.c:
                    rows = connection.execute(select(table).where(table.c.incident_id == incident.id))
                    found = [dict(row._mapping) for row in rows]
                    if found:
                        self.children.append((table, found))

    @property
    def rows(self) -> int:
        """Rows written by each commit (the counter's update included)."""
        return 2 + sum(len(rows) for _, rows in self.children)

    def commit(self) -> None:
        n = next(self.numbers)
        counters: Table = IncidentCounter.__table__  # type: ignore[assignment]
        incidents: Table = Incident.__table__  # type: ignore[assignment]
        with self.one_writer, self.engine.begin() as connection:
            connection.execute(
                update(counters)
                .where(counters.c.year == self.incident["year"])
                .values(last_number=counters.c.last_number + 1)
            )
            values = _fresh(incidents, self.incident, n)
            values["number"] = n
            created = connection.execute(insert(incidents).values(values)).inserted_primary_key
            assert created is not None
            incident_id = created[0]
            for table, rows in self.children:
                fresh = [{**_fresh(table, row, n), "incident_id": incident_id} for row in rows]
                connection.execute(insert(table), fresh)


def _fresh(table: Table, row: dict[str, Any], n: int) -> dict[str, Any]:
    """The row without its id, its unique text made unique again."""
    unique = {c.name for c in table.columns if c.unique}
    for constraint in table.constraints:
        if isinstance(constraint, UniqueConstraint):
            unique.update(c.name for c in constraint.columns)
    for index in table.indexes:
        if index.unique:
            unique.update(c.name for c in index.columns)
    fresh = {}
    for name, value in row.items():
        column = table.c[name]
        if column.primary_key and isinstance(column.type, Integer):
            continue
        if name in unique and isinstance(column.type, String) and value is not None:
            value = f"{value}-{n}-{os.getpid()}"
        fresh[name] = value
    return fresh
