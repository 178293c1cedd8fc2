"""Alembic migrations, run from the code (``incident-bot db upgrade`` and at ``incident-bot run``).

Upgrading never loses a row:

- On SQLite, Alembic's batch mode rebuilds a table to change it (copy, drop the old, rename the
  copy). With foreign keys enforced, dropping the old ``incidents`` would cascade into every table
  that refers to it, so every migration runs with enforcement off (``PRAGMA foreign_keys`` only
  changes outside a transaction) and ``PRAGMA foreign_key_check`` must come back clean before its
  transaction commits. ``migrating`` does this for every migration, present and future.
- Before migrating an existing SQLite file, a consistent copy is written next to it
  (``incident-bot.db.0007.bak``: the revision it was at).
- Replicas starting together migrate once: on PostgreSQL the first takes an advisory lock and the
  others wait for it, then find nothing to do; on SQLite the migration's write lock, taken at its
  start, does the same.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.script.revision import RevisionError
from sqlalchemy import Connection, func, select, text
from sqlalchemy.engine import make_url

MIGRATIONS = Path(__file__).with_name("migrations")
# pg_advisory_lock's key for "migrating the bot's schema" (any constant the bot alone uses).
MIGRATION_LOCK = 0x1C1DB07


class ForeignKeysBroken(Exception):
    """A migration left rows whose parent is gone (``PRAGMA foreign_key_check``): rolled back."""


def alembic_config(database_url: str, connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # ConfigParser interpolation would read '%' in a URL-encoded password as a reference.
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@dataclass(frozen=True)
class Pending:
    """Where a database stands: its revision (None: empty) and the migrations it lacks, oldest first."""

    current: str | None
    migrations: list[tuple[str, str]]  # (revision, what it does)


def pending(database_url: str) -> Pending:
    """The migrations ``upgrade`` would apply, without applying them."""
    from bot.db.engine import make_engine

    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()
    script = ScriptDirectory.from_config(alembic_config(database_url))
    steps = list(script.iterate_revisions("head", current))
    steps.reverse()
    return Pending(current, [(step.revision, (step.doc or "").strip()) for step in steps])


def upgrade(database_url: str, revision: str = "head") -> Path | None:
    """Apply the migrations; returns the copy of the SQLite file taken first (None: no copy was
    needed, the database being new or up to date, or PostgreSQL)."""
    from bot.db.engine import make_engine

    engine = make_engine(database_url)
    try:
        with engine.connect() as connection, migrating(connection):
            copy = _copy_before(database_url, connection, revision)
            command.upgrade(alembic_config(database_url, connection), revision)
    finally:
        engine.dispose()
    return copy


@contextmanager
def migrating(connection: Connection) -> Iterator[None]:
    """The one transaction a migration runs in (``env.py`` runs Alembic inside it):

    - one replica at a time: on PostgreSQL a session advisory lock, on SQLite the write lock taken
      at BEGIN (a second replica waits, then finds nothing to do);
    - SQLite without foreign-key enforcement while tables are rebuilt (a dropped ``incidents``
      would cascade into every child table), switched on the driver's connection before the
      transaction begins (the pragma is a no-op inside one), and on again after;
    - committed only if ``PRAGMA foreign_key_check`` finds every row's parent.
    """
    from bot.db.engine import WRITES

    with _one_at_a_time(connection), _foreign_keys_off(connection):
        connection.execution_options(**{WRITES: True})
        with connection.begin():
            yield
            check_foreign_keys(connection)


@contextmanager
def _one_at_a_time(connection: Connection) -> Iterator[None]:
    if connection.dialect.name != "postgresql":
        yield
        return
    connection.execute(select(func.pg_advisory_lock(MIGRATION_LOCK)))
    connection.commit()  # the lock belongs to the session, not to this transaction
    try:
        yield
    finally:
        if connection.in_transaction():
            connection.rollback()
        connection.execute(select(func.pg_advisory_unlock(MIGRATION_LOCK)))
        connection.commit()


@contextmanager
def _foreign_keys_off(connection: Connection) -> Iterator[None]:
    if connection.dialect.name != "sqlite":
        yield
        return
    assert not connection.in_transaction(), "foreign keys can only be switched outside a transaction"
    raw: Any = connection.connection.driver_connection
    raw.execute("PRAGMA foreign_keys=OFF")
    try:
        yield
    finally:
        raw.execute("PRAGMA foreign_keys=ON")


def check_foreign_keys(connection: Connection) -> None:
    """Raise ForeignKeysBroken when a row refers to a row that is not there (SQLite; PostgreSQL
    enforces them in every statement)."""
    if connection.dialect.name != "sqlite":
        return
    broken = connection.execute(text("PRAGMA foreign_key_check")).fetchall()
    if broken:
        tables = sorted({str(row[0]) for row in broken})
        raise ForeignKeysBroken(
            f"{len(broken)} rows refer to rows that are gone (in {', '.join(tables)}); nothing was changed"
        )


def sqlite_file(database_url: str) -> Path | None:
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database)


def _copy_before(database_url: str, connection: Connection, revision: str) -> Path | None:
    """A consistent copy of an existing SQLite database that is about to be migrated."""
    path = sqlite_file(database_url)
    if path is None or not path.exists():
        return None
    current = MigrationContext.configure(connection).get_current_revision()
    if current is None:
        return None  # a new database: nothing to keep
    script = ScriptDirectory.from_config(alembic_config(database_url))
    try:
        if not list(script.iterate_revisions(revision, current)):
            return None  # up to date
    except RevisionError:
        return None  # a revision this bot does not know: Alembic says so next

    return backup_sqlite(path, f"{path.name}.{current}.bak")


def backup_sqlite(path: Path, name: str) -> Path:
    """Copy a SQLite database (with what its WAL holds) next to it, under ``name`` (or ``name.N``
    when that exists); SQLite's online backup, so a running bot may keep writing."""
    target = path.with_name(name)
    n = 1
    while target.exists():
        target = path.with_name(f"{name}.{n}")
        n += 1
    copy_sqlite(path, target)
    return target


def copy_sqlite(path: Path, target: Path) -> None:
    """A consistent copy of the SQLite database at ``path`` (with what its WAL holds) at ``target``:
    SQLite's online backup, so a running bot keeps writing while it is made."""
    source = sqlite3.connect(path, timeout=30)
    try:
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)
        finally:
            copy.close()
    finally:
        source.close()


def without_history(database_url: str) -> list[str]:
    """The incidents whose timeline is empty: every declaration records one, so their history was
    lost (by an upgrade before 0008 on SQLite) and cannot come back."""
    from bot.db.engine import make_engine
    from bot.db.models import Incident, TimelineEvent

    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            has_events = select(TimelineEvent.id).where(TimelineEvent.incident_id == Incident.id).exists()
            rows = connection.execute(
                select(Incident.year, Incident.number).where(~has_events).order_by(Incident.id)
            )
            return [f"INC-{year}-{number:04d}" for year, number in rows]
    finally:
        engine.dispose()
