from __future__ import annotations

import pytest

from bot.slack.naming import MAX_CHANNEL_NAME, channel_name, slugify
from bot.text import clean_line, decode_slack_text, escape_mrkdwn, shorten


def test_decode_once_then_encode_once_round_trips_what_was_typed() -> None:
    typed = "a < b && c > d &lt; literal"
    delivered = typed.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")  # what Slack sends
    assert decode_slack_text(delivered) == typed
    assert escape_mrkdwn(decode_slack_text(delivered)) == delivered


def test_slack_tokens_become_readable_text() -> None:
    text = "ping <@U123|dana> in <#C42|ops> see <https://x.example/a|the dash> <!here> <!subteam^S1|@sre>"
    assert decode_slack_text(text) == "ping @dana in #ops see the dash (https://x.example/a) @here @sre"


@pytest.mark.parametrize("limit", [1, 2, 5, 9, 10, 11, 50])
def test_escape_with_a_limit_never_splits_an_entity(limit: int) -> None:
    escaped = escape_mrkdwn("<<&&>>" * 5, limit)
    assert len(escaped) <= limit
    body = escaped.removesuffix("…")
    assert body.replace("&lt;", "").replace("&gt;", "").replace("&amp;", "") == ""


def test_shorten() -> None:
    assert shorten("abc", 3) == "abc"
    assert shorten("abcdef", 4) == "abc…"


def test_clean_line_drops_controls_and_bidi_overrides_but_keeps_emoji_sequences() -> None:
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
    assert clean_line(f" a\x00b\u202e c {family} ") == f"a b c {family}"


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Checkout API returning 500s", "inc-2026-0007-checkout-api-returning-500s"),
        ("Оплата не работает", "inc-2026-0007-oplata-ne-rabotaet"),
        ("支付失败", "inc-2026-0007-zhifushibai"),
        ("Café & Crème!!", "inc-2026-0007-cafe-creme"),
        ("   ---   ", "inc-2026-0007"),
    ],
)
def test_channel_names(title: str, expected: str) -> None:
    assert channel_name("inc", 2026, 7, title) == expected


def test_channel_names_fit_slack_rules_for_any_title() -> None:
    for title in ("x" * 10_000, "🔥" * 100, "الدفع معطل", "\x00\x01", "Ünïcödé " * 40):
        for suffix in (0, 2, 17):
            name = channel_name("incident", 2026, 12345, title, suffix)
            assert len(name) <= MAX_CHANNEL_NAME
            assert all(c.isascii() and (c.islower() or c.isdigit() or c in "-_") for c in name), name
            assert not name.endswith("-")
    assert channel_name("inc", 2026, 7, "down", 2) == "inc-2026-0007-down-2"
    assert slugify("A  B") == "a-b"


def test_invisible_marks_are_dropped_but_emoji_keep_their_joiners() -> None:
    from bot.text import clean_block, clean_line, escape_mrkdwn

    hidden = "Check\u200bout\u200c is\u200e\u200f down\u2060\u2061\u2064\ufeff"
    assert clean_line(hidden) == "Checkout is down"
    assert clean_line("one\u2028two\u2029three") == "onetwothree"
    assert escape_mrkdwn("a\u200bb <x>") == "ab &lt;x&gt;"
    family, flame = "👨\u200d👩\u200d👧", "❤\ufe0f\u200d🔥"
    assert clean_block(f"team {family} {flame}") == f"team {family} {flame}"
    assert clean_line("zero\u200dwidth") == "zerowidth"  # a joiner between letters hides nothing useful
