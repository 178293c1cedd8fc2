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
    ],
)
def test_parse_action_items(args: str, expected: Parsed) -> None:
    assert parse_command(args, TODAY) == expected


@pytest.mark.parametrize(
    ("args", "says"), [("x due 2026-11-22", "in the past"), ("x due 12/01", "YYYY-MM-DD")]
)
def test_bad_due_dates(args: str, says: str) -> None:
    with pytest.raises(InputError, match=says):
        parse_command(args, TODAY)
