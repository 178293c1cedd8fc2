"""Alembic environment: runs migrations online against the URL the bot was given."""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from sqlalchemy import pool

from bot.db.engine import make_engine
from bot.db.models import Base
from bot.db.types import UTCDateTime


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | Literal[False]:
    """Write our UTCDateTime as a plain timezone-aware DateTime: migrations stay self-contained."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


config = context.config
url = config.get_main_option("sqlalchemy.url")
assert url, "sqlalchemy.url is set by bot.db.migrate"

connectable = make_engine(url, poolclass=pool.NullPool)
with connectable.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=render_item,
    )
    with context.begin_transaction():
        context.run_migrations()
connectable.dispose()
