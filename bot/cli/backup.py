"""``incident-bot backup FILE``: a consistent copy of the bot's SQLite database, made while the bot
runs (SQLite's online backup). On PostgreSQL the database's own tool does it: docs/operations.md."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from bot.config.settings import load_settings
from bot.db.engine import make_engine, make_session_factory, transaction
from bot.db.migrate import copy_sqlite, sqlite_file
from bot.outbox import upkeep

PG_DUMP = 'pg_dump --format=custom --file=FILE "$DATABASE_URL"'


def add_backup_parser(sub: Any) -> None:
    backup = sub.add_parser(
        "backup", help="copy the SQLite database consistently, while the bot runs (PostgreSQL: pg_dump)"
    )
    backup.add_argument("file", type=Path, help="where the copy goes (a new file)")


def cmd_backup(args: argparse.Namespace) -> int:
    settings = load_settings()
    path = sqlite_file(settings.database_url)
    target: Path = args.file
    if path is None:
        print(
            f"incident-bot: backup copies a SQLite database; this one is PostgreSQL: run {PG_DUMP} "
            "(docs/operations.md says how to restore it)",
            file=sys.stderr,
        )
        return 2
    if not path.exists():
        print(f"incident-bot: there is no database at {path} (DATABASE_URL)", file=sys.stderr)
        return 2
    if target.exists():
        print(f"incident-bot: {target} exists; give a new file name", file=sys.stderr)
        return 2
    if not target.parent.is_dir():
        print(f"incident-bot: {target.parent} is not a directory", file=sys.stderr)
        return 2
    copy_sqlite(path, target)
    owed = mark_in_doubt(target)
    print(f"wrote {target}: a consistent copy of {path}" + (f" ({owed} effects owed in it)" if owed else ""))
    return 0


def mark_in_doubt(copy: Path) -> int:
    """What the copy still owes may be delivered by the running bot after the copy was taken: in the
    copy it is in doubt, so a bot restored from it looks for it (a post by its key, a channel by its
    name) before making it again. Returns how many effects that is."""
    engine = make_engine(f"sqlite:///{copy}")
    try:
        with transaction(make_session_factory(engine)) as session:
            return upkeep.restored(session)
    finally:
        engine.dispose()
