"""Alembic environment: runs migrations online, inside ``bot.db.migrate.migrating``.

``bot.db.migrate.upgrade`` hands over the connection it holds (locked, foreign keys switched off
on SQLite, a transaction begun); anything else that runs Alembic (a downgrade in a test) gets the
same treatment here.
"""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from sqlalchemy import Connection, pool

from bot.db.engine import make_engine
from bot.db.migrate import migrating
from bot.db.models import Base
from bot.db.types import UTCDateTime


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | Literal[False]:
    """Write our UTCDateTime as a plain timezone-aware DateTime: migrations stay self-contained."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=render_item,
    )
    with context.begin_transaction():  # inside ``migrating``'s transaction: committed by it
        context.run_migrations()


config = context.config
given = config.attributes.get("connection")
if given is not None:
    run(given)
else:
    url = config.get_main_option("sqlalchemy.url")
    assert url, "sqlalchemy.url is set by bot.db.migrate"
    connectable = make_engine(url, poolclass=pool.NullPool)
    try:
        with connectable.connect() as connection, migrating(connection):
            run(connection)
    finally:
        connectable.dispose()
