"""Start-up messages: one line naming the setting, the real cause kept, no password ever shown."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.app import startup
from bot.app.startup import StartupError


def message(call: Callable[..., object], *args: object) -> str:
    with pytest.raises(StartupError) as raised:
        call(*args)
    text = str(raised.value)
    assert "\n" not in text
    return text


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("nonsense", "'nonsense' is not a database URL"),
        ("postgresql+psycopg//bot:s3cret@db/incidents", "'postgresql+psycopg//bot:***@db/incidents'"),
        ("postgres://bot:s3cret@db/incidents", "write postgresql+psycopg:// instead of postgres://"),
        ("mysql://bot@db/incidents", "SQLite or PostgreSQL, not mysql"),
    ],
)
def test_a_bad_url_is_named_without_its_password(url: str, said: str) -> None:
    text = message(startup.open_engine, url)
    assert text.startswith("DATABASE_URL: ") and said in text and "s3cret" not in text


def test_a_sqlite_file_that_cannot_be_opened(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/no/such/folder/bot.db"
    text = message(startup.open_engine, url)
    assert text == (
        f"DATABASE_URL: cannot connect to {tmp_path}/no/such/folder/bot.db (unable to open database file); "
        "does its folder exist, and may the bot write there?"
    )


def test_the_drivers_words_are_kept_on_one_line() -> None:
    class Orig(Exception):
        pass

    class Wrapped(Exception):
        orig = Orig(
            'connection failed: connection to server at "10.0.0.5", port 5432 failed: Connection refused\n'
            "\tIs the server running on that host and accepting TCP/IP connections?"
        )

    assert startup._reason(Wrapped()) == "connection refused"
    Wrapped.orig = Orig(
        'connection failed: connection to server at "10.0.0.5", port 5432 failed: FATAL:  password '
        'authentication failed for user "bot"'
    )
    reason = startup._reason(Wrapped())
    assert reason == 'password authentication failed for user "bot"'
    assert startup._hint(reason) == "check the user and password in DATABASE_URL"
    assert startup._hint('database "x" does not exist').startswith("create the database")


def test_where_never_shows_a_password(tmp_path: Path) -> None:
    assert startup.where("postgresql+psycopg://bot:s3cret@db.internal:6543/incidents") == (
        "db.internal:6543/incidents"
    )
    assert startup.where("sqlite:///bot.db") == str(Path("bot.db").resolve())


def test_missing_database_only_for_a_sqlite_file_not_there(tmp_path: Path) -> None:
    there = tmp_path / "bot.db"
    there.touch()
    assert startup.missing_database(f"sqlite:///{there}") is None
    assert startup.missing_database(f"sqlite:///{tmp_path}/gone.db") == f"{tmp_path}/gone.db"
    assert startup.missing_database("sqlite://") is None
    assert startup.missing_database("postgresql+psycopg://bot@db/incidents") is None
    assert startup.missing_database("nonsense") is None  # open_engine explains it


def test_log_level() -> None:
    assert startup.log_level("debug") == logging.DEBUG
    assert message(startup.log_level, "loud") == (
        "LOG_LEVEL: 'loud' is not a log level; use DEBUG, INFO, WARNING or ERROR"
    )


def test_held_logs_are_shown_once_started_and_dropped_when_start_up_fails(
    capsys: pytest.CaptureFixture[str],
) -> None:
    root = logging.getLogger()
    before = (root.level, list(root.handlers))
    try:
        held = startup.HeldLogs(logging.INFO)
        logging.getLogger("bot.test").info("migrating")
        assert capsys.readouterr().err == ""
        held.drop()
        assert capsys.readouterr().err == ""
        logging.getLogger("bot.test").info("after")
        assert "after" in capsys.readouterr().err
        root.removeHandler(held.output)
        held = startup.HeldLogs(logging.INFO)
        logging.getLogger("bot.test").info("migrating")
        held.release()
        assert "INFO bot.test: migrating" in capsys.readouterr().err
        root.removeHandler(held.output)
    finally:
        root.setLevel(before[0])
        root.handlers[:] = before[1]


def test_a_database_migrated_by_a_newer_bot(tmp_path: Path) -> None:
    import sqlite3

    url = f"sqlite:///{tmp_path}/bot.db"
    startup.prepare_database(url)
    with sqlite3.connect(tmp_path / "bot.db") as connection:
        connection.execute("UPDATE alembic_version SET version_num = 'f00dfacef00d'")
    assert message(startup.prepare_database, url) == (
        f"DATABASE_URL: cannot migrate {tmp_path}/bot.db (Can't locate revision identified by "
        "'f00dfacef00d'); was it migrated by a newer incident-bot?"
    )
