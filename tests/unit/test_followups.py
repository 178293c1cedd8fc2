from __future__ import annotations

from datetime import date

import pytest

from bot.errors import InputError
from bot.incidents.followups import Parsed
from handlers.command_text import parse_action as parse_command

TODAY = date(2026, 11, 23)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ("Add pool metrics", Parsed("Add pool metrics", None, None)),
        ("Add pool metrics <@U0BOB|bob>", Parsed("Add pool metrics", "U0BOB", None)),
        ("Add pool metrics <@U0BOB> due 2026-12-01", Parsed("Add pool metrics", "U0BOB", date(2026, 12, 1))),
        ("Ask <@U0A|a> about <@U0B|b>  DUE 2026-11-23", Parsed("Ask <@U0A|a> about", "U0B", TODAY)),
        ("Talk to <@U0A|a> first, then fix", Parsed("Talk to <@U0A|a> first, then fix", None, None)),
        ("Rotate keys <@U0BOB> due today", Parsed("Rotate keys", "U0BOB", TODAY)),
        ("Rotate keys due tomorrow", Parsed("Rotate keys", None, date(2026, 11, 24))),
        ("Rotate keys due Friday", Parsed("Rotate keys", None, date(2026, 11, 27))),  # 23rd: a Monday
        ("Rotate keys due mon", Parsed("Rotate keys", None, TODAY)),
        ("Rotate keys due in 3 days", Parsed("Rotate keys", None, date(2026, 11, 26))),
        ("Rotate keys due in 2 weeks", Parsed("Rotate keys", None, date(2026, 12, 7))),
        ("Rotate keys due next week", Parsed("Rotate keys", None, date(2026, 11, 30))),
        ("Follow the due process", Parsed("Follow the due process", None, None)),  # words, not a day
        ("Add backoff due to timeouts <@U0A|a>", Parsed("Add backoff due to timeouts", "U0A", None)),
        ("Retry due to 502s", Parsed("Retry due to 502s", None, None)),
        ("Fix due dates due tomorrow", Parsed("Fix due dates", None, date(2026, 11, 24))),  # the last "due"
    ],
)
def test_parse_action_items(args: str, expected: Parsed) -> None:
    assert parse_command(args, TODAY) == expected


@pytest.mark.parametrize(
    ("args", "says"),
    [("x due 2026-11-22", "in the past"), ("x due 12/01", "YYYY-MM-DD, today, tomorrow, a weekday")],
)
def test_bad_due_dates(args: str, says: str) -> None:
    with pytest.raises(InputError, match=says):
        parse_command(args, TODAY)


def test_today_is_the_persons_own_day() -> None:
    """7:51 PM on Dec 4 in New York is Dec 5 in UTC: the New Yorker's "due 2026-12-04" is today."""
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    now = datetime(2026, 12, 5, 0, 51, tzinfo=UTC)
    new_york = now.astimezone(ZoneInfo("America/New_York")).date()
    assert parse_command("Fix it due 2026-12-04", new_york).due == date(2026, 12, 4)
    with pytest.raises(InputError, match="in the past"):
        parse_command("Fix it due 2026-12-04", now.date())  # read in UTC, it would be yesterday


@pytest.mark.timeout(10)
def test_a_long_word_after_due_does_not_hang_the_parser() -> None:
    """A backtracking pattern over what follows "due" took minutes for this; it must just answer."""
    assert parse_command("x due " + "a" * 20_000 + " b c d", TODAY) == Parsed(
        "x due " + "a" * 20_000 + " b c d", None, None
    )
