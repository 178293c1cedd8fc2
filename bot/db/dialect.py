"""The few statements that differ between SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def upsert_insert(session: Session, table: Any) -> Any:
    """An INSERT that supports ``on_conflict_do_nothing`` / ``on_conflict_do_update`` on this backend."""
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


def dialect_of(session: Session) -> str:
    return session.get_bind().dialect.name


def insert_for(dialect: str, table: Any) -> Any:
    """``upsert_insert`` for a dialect's name (to build a statement once and reuse it)."""
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
