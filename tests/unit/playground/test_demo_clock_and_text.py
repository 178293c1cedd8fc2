"""The demo's scaled clock, the stand-in following it, and text as a Slack client types it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from slack_sdk import WebClient

from playground import SlackStandIn
from playground.clock import ScaledClock
from playground.typed_text import encode

START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


class FakeMonotonic:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_time_runs_speed_times_faster_from_the_start() -> None:
    tick = FakeMonotonic()
    clock = ScaledClock(60, START, monotonic=tick)
    assert clock() == START and clock().tzinfo is UTC
    tick.now += 2.5
    assert clock() == START + timedelta(minutes=2, seconds=30)
    assert clock.timestamp() == (START + timedelta(seconds=150)).timestamp()
    assert clock.real_seconds(timedelta(minutes=15)) == 15


def test_a_clock_starts_now_at_real_speed_and_refuses_nonsense() -> None:
    before = datetime.now(UTC)
    clock = ScaledClock()
    assert before <= clock() <= datetime.now(UTC)
    with pytest.raises(ValueError):
        ScaledClock(0)
    with pytest.raises(ValueError):
        ScaledClock(2, datetime(2026, 1, 1))


def test_the_stand_in_stamps_messages_with_its_clock_and_counts_changes() -> None:
    tick = FakeMonotonic()
    clock = ScaledClock(60, START, monotonic=tick)
    with SlackStandIn(socket_mode=False, now=clock.timestamp) as standin:
        client = WebClient(token="xoxb-test", base_url=standin.api_url)
        before = standin.changes.version
        first = client.chat_postMessage(channel="C0GENERAL", text="one")["ts"]
        tick.now += 60  # an hour of demo time
        second = client.chat_postMessage(channel="C0GENERAL", text="two")["ts"]
        assert float(first) == pytest.approx(START.timestamp(), abs=0.01)
        assert float(second) - float(first) == pytest.approx(3600, abs=0.01)
        after_posts = standin.changes.version
        assert after_posts >= before + 2
        client.users_info(user="U0BOB")
        assert standin.changes.version == after_posts  # reading changes nothing
        standin.add_message("C0GENERAL", "hi")
        assert standin.changes.version == after_posts + 1


def test_the_real_clock_is_the_default() -> None:
    with SlackStandIn(socket_mode=False) as standin:
        client = WebClient(token="xoxb-test", base_url=standin.api_url)
        ts = client.chat_postMessage(channel="C0GENERAL", text="now")["ts"]
        assert abs(float(ts) - datetime.now(UTC).timestamp()) < 5


USERS = {"U0BOB": ("bob", "Bobby", "Bob"), "U0ALICE": ("alice", "alice", "Alice")}
CHANNELS = {"incident-response": "C0INCRESP"}


def test_typed_text_is_encoded_and_mentions_become_tokens() -> None:
    assert encode("a < b && c > d", USERS, CHANNELS) == "a &lt; b &amp;&amp; c &gt; d"
    assert encode("ask @bob and @Alice.", USERS, CHANNELS) == "ask <@U0BOB> and <@U0ALICE>."
    assert encode("role tech_lead @bob", USERS, CHANNELS, with_names=True) == "role tech_lead <@U0BOB|bob>"
    assert encode("see #incident-response", USERS, CHANNELS) == "see <#C0INCRESP|incident-response>"
    assert encode("@nobody #nowhere bob@example.com", USERS, CHANNELS) == "@nobody #nowhere bob@example.com"
    assert encode("<!channel> <@U0BOB>", USERS, CHANNELS) == "&lt;!channel&gt; &lt;@U0BOB&gt;"
