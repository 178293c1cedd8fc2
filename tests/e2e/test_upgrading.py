"""Upgrading as an operator does it: ``incident-bot db upgrade`` (with ``--dry-run``, the copy it
takes, the history it finds lost) and replicas of a new release starting together."""

from __future__ import annotations

import sqlite3
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import create_engine, delete, select, text, update

from bot.db.models import Incident, TimelineEvent
from playground.server import SlackStandIn
from tests.e2e.harness import RunningBot, answer, bot_env, run_cli, start_bot
from tests.old_databases import HEAD, old_database


def revision(database_url: str) -> list[str]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return [str(r) for r in connection.scalars(text("SELECT version_num FROM alembic_version"))]
    finally:
        engine.dispose()


def count(database_url: str, table: str) -> int:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return int(connection.scalar(text(f"SELECT count(*) FROM {table}")) or 0)
    finally:
        engine.dispose()


def test_dry_run_lists_what_it_would_do_and_does_nothing(
    standin: SlackStandIn, database_url: str, tmp_path: Path
) -> None:
    env = bot_env(standin, database_url)
    old_database(database_url, "0005")
    dry = run_cli(["db", "upgrade", "--dry-run"], env, tmp_path)
    assert dry.returncode == 0, dry.stderr
    assert "is at schema 0005; db upgrade would apply" in dry.stdout
    listed = [line.split()[0] for line in dry.stdout.splitlines() if line.startswith("  ")]
    assert listed[0] == "0006" and listed[-1] == HEAD
    assert revision(database_url) == ["0005"]
    assert not list(tmp_path.glob("*.bak"))

    upgraded = run_cli(["db", "upgrade"], env, tmp_path)
    assert upgraded.returncode == 0, upgraded.stderr
    again = run_cli(["db", "upgrade", "--dry-run"], env, tmp_path)
    assert f"schema {HEAD}); nothing to apply" in again.stdout

    nowhere = {**env, "DATABASE_URL": f"sqlite:///{tmp_path / 'new.db'}"}
    fresh = run_cli(["db", "upgrade", "--dry-run"], nowhere, tmp_path)
    assert "would create it with" in fresh.stdout and not (tmp_path / "new.db").exists()


def test_a_sqlite_database_is_copied_before_it_is_migrated(standin: SlackStandIn, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'incident-bot.db'}"
    old_database(url, "0006")
    upgraded = run_cli(["db", "upgrade"], bot_env(standin, url), tmp_path)
    assert upgraded.returncode == 0, upgraded.stderr
    copy = tmp_path / "incident-bot.db.0006.bak"
    assert f"copied the database to {copy}" in upgraded.stdout
    with sqlite3.connect(copy) as kept:
        assert kept.execute("SELECT version_num FROM alembic_version").fetchall() == [("0006",)]
        assert kept.execute("SELECT count(*) FROM timeline_events").fetchone()[0] > 10
    # up to date: no second copy
    assert run_cli(["db", "upgrade"], bot_env(standin, url), tmp_path).returncode == 0
    assert [p.name for p in tmp_path.glob("*.bak")] == [copy.name]


def test_history_an_earlier_upgrade_lost_is_named(
    standin: SlackStandIn, database_url: str, tmp_path: Path
) -> None:
    """What a database upgraded by the release before looks like: incidents without any timeline."""
    assert HEAD is not None
    old_database(database_url, HEAD)
    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(delete(TimelineEvent))
        connection.execute(update(Incident).values(next_update_at=None).where(Incident.id == 1))
        numbers = connection.execute(select(Incident.year, Incident.number).order_by(Incident.id))
        refs = [f"INC-{y}-{n:04d}" for y, n in numbers]
    engine.dispose()
    upgraded = run_cli(["db", "upgrade"], bot_env(standin, database_url), tmp_path)
    assert upgraded.returncode == 0, upgraded.stderr
    assert f"{len(refs)} incident(s) have no timeline at all ({', '.join(refs)})" in upgraded.stderr
    assert "cannot be rebuilt" in upgraded.stderr and "Traceback" not in upgraded.stderr


@pytest.mark.parametrize("start_from", ["fresh", "0005"])
def test_replicas_starting_together_migrate_once_and_all_serve(
    standin: SlackStandIn, database_url: str, tmp_path: Path, start_from: str
) -> None:
    rows = 0
    if start_from != "fresh":
        old_database(database_url, start_from)
        rows = count(database_url, "timeline_events")
    folders = [tmp_path / f"replica-{n}" for n in range(3)]
    for folder in folders:
        folder.mkdir()

    def start(folder: Path) -> RunningBot:
        return start_bot(folder, bot_env(standin, database_url), timeout=60)

    with ThreadPoolExecutor(3) as pool:
        bots = list(pool.map(start, folders))
    try:
        assert revision(database_url) == [HEAD]
        if rows:
            assert count(database_url, "timeline_events") >= rows
        for bot in bots:
            assert "Traceback" not in bot.log(), bot.log()
            help_text = answer(bot.sender.command(standin.slash_command_payload(text="help")))["text"]
            assert "declare" in help_text
    finally:
        codes = [bot.stop() for bot in bots]
    assert codes == [0, 0, 0], [bot.log() for bot in bots]
    if database_url.startswith("sqlite") and rows:
        assert len(list(tmp_path.glob("*.bak"))) == 1  # one replica migrated; the others found it done
