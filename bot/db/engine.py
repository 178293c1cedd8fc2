"""Engines and sessions. Nothing here runs at import time: the app factory calls these."""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from bot.db.writers import WriterQueue


def make_engine(
    url: str, timeout: float = 30.0, connections: tuple[int, int] | None = None, **kwargs: Any
) -> Engine:
    """An engine for ``url`` that waits at most ``timeout`` seconds to connect or for a lock.
    ``connections``: on PostgreSQL, how many connections the pool keeps once opened and how many
    more it may open for a while (SQLAlchemy's default: 5 and 10).

    SQLite gets WAL, foreign keys and a busy timeout for concurrent writers.
    """
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": timeout, "check_same_thread": False}, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            # Let SQLAlchemy issue BEGIN itself so that BEGIN IMMEDIATE can take the write lock early.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={int(timeout * 1000)}")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            # A change takes the write lock at its start (no deadlock-prone upgrade from a read
            # lock); a read takes none, so in WAL mode reading never waits for a writer.
            conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(WRITES) else "BEGIN")

        _WRITERS[engine] = (WriterQueue(), timeout)
        return engine
    if "poolclass" not in kwargs:
        kwargs.setdefault("pool_timeout", timeout)
        if connections is not None:
            kwargs.setdefault("pool_size", connections[0])
            kwargs.setdefault("max_overflow", connections[1])
    engine = create_engine(
        url, pool_pre_ping=True, connect_args={"connect_timeout": max(1, round(timeout))}, **kwargs
    )

    @event.listens_for(engine, "connect")
    def _lock_timeout(dbapi_connection: Any, _record: Any) -> None:
        # A change waits for a row lock at most this long, so a request still answers in time.
        with dbapi_connection.cursor() as cursor:
            cursor.execute(f"SET lock_timeout = {int(timeout * 1000)}")
        dbapi_connection.commit()

    return engine


# Set on the connection of a transaction that changes things (see ``transaction``).
WRITES = "incident_bot_writes"
# SQLite takes one writer at a time: the writers of one process queue for it (see ``writers``).
_WRITERS: weakref.WeakKeyDictionary[Engine, tuple[WriterQueue, float]] = weakref.WeakKeyDictionary()


# Work a change leaves for the end of its transaction (name → work), done just before it commits.
_BEFORE_COMMIT = "db.before_commit"


def before_commit(session: Session, name: str, work: Callable[[Session], None]) -> None:
    """Do ``work`` at the end of the session's transaction, once however often it is asked for, just
    before it commits (say, locks to take in one order, once all the change's rows are written)."""
    session.info.setdefault(_BEFORE_COMMIT, {})[name] = work


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session whose work is committed at the end of the block, or rolled back on error.

    Everything that changes the database goes through here; a plain ``factory()`` session reads.
    """
    bind = factory.kw.get("bind")
    writer = _WRITERS.get(bind) if isinstance(bind, Engine) else None
    queued = writer[0].held(writer[1]) if writer else nullcontext()
    with queued, factory() as session, session.begin():
        session.connection(execution_options={WRITES: True})
        yield session
        while work := session.info.get(_BEFORE_COMMIT):  # (work may ask for more work)
            work.pop(next(iter(work)))(session)
