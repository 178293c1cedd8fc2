"""Slack's rate limits, enforced by the stand-in: a storm of declarations finishes every channel
(announcement, invites, pin, topic) with the limits binding, never calls a method before its
Retry-After has passed, and loses or doubles nothing; a 429 on one method holds that method for
every replica while the rest goes on."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select

from bot.db.models import Incident
from playground.server import SlackStandIn
from tests.e2e.db import read, wait_settled
from tests.e2e.harness import bot_env, start_bot, until

STORM = 25  # over Tier 2's 20 conversations.create a (test) minute


def test_a_storm_of_declarations_within_slacks_limits(
    standin: SlackStandIn, database_url: str, tmp_path: Path
) -> None:
    tiers = standin.enforce_tiers(minute=8.0)  # Slack's budgets, in an eight-second minute
    bot = start_bot(tmp_path, bot_env(standin, database_url, SLACK_CHANNEL_PACE="1"))
    try:
        for n in range(STORM):
            payload = standin.slash_command_payload(text=f"declare P2 Outage {n}")
            assert bot.sender.command(payload).status == 200
        until(
            lambda: (
                len(
                    read(
                        database_url,
                        lambda s: list(
                            s.scalars(select(Incident.channel_id).where(Incident.channel_id.is_not(None)))
                        ),
                    )
                )
                == STORM
            ),
            timeout=60,
            what="every channel",
        )
        wait_settled(database_url, timeout=60)
    finally:
        assert bot.stop() == 0
    assert tiers.limited.get("conversations.create", 0) >= 1  # the limit bound
    assert tiers.total_violations() == 0, dict(tiers.violations)
    incidents = read(database_url, lambda s: list(s.scalars(select(Incident))))
    for incident in incidents:
        channel = incident.channel_id or ""
        posts = [
            c
            for c in standin.calls("chat.postMessage")
            if c.ok and c.args["channel"] == channel and "Incident declared" in c.args["text"]
        ]
        assert len(posts) == 1, (incident.ref, len(posts))  # once, never twice
        assert standin.topic(channel).startswith("P2 ·"), incident.ref
        assert [c for c in standin.calls("pins.add") if c.ok and c.args["channel"] == channel], incident.ref
        invited = [c for c in standin.calls("conversations.invite") if c.ok and c.args["channel"] == channel]
        assert invited, incident.ref
    assert len([c for c in standin.calls("conversations.create") if c.ok]) == STORM


def test_a_429_on_pins_holds_pins_for_both_replicas_while_posts_go_on(
    standin: SlackStandIn, database_url: str, tmp_path: Path
) -> None:
    from tests.conftest import on_postgres

    if not on_postgres():
        import pytest

        pytest.skip("several replicas need PostgreSQL")
    standin.fail_next("pins.add", status=429, times=1, retry_after=3)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = start_bot(tmp_path / "a", bot_env(standin, database_url))
    second = start_bot(tmp_path / "b", bot_env(standin, database_url))
    try:
        payload = standin.slash_command_payload(text="declare P2 Search is slow")
        assert first.sender.command(payload).status == 200
        refused = standin.wait_for("pins.add", lambda c: c.status == 429, timeout=10)
        more = standin.slash_command_payload(text="declare P2 Checkout is slow")
        assert second.sender.command(more).status == 200
        wait_settled(database_url, timeout=30)
    finally:
        assert first.stop() == 0 and second.stop() == 0
    pins = [c for c in standin.calls("pins.add") if c.ok]
    assert len(pins) == 2 and all(c.at >= refused.at + 2.5 for c in pins)  # neither replica pinned early
    announced = [
        c for c in standin.calls("chat.postMessage") if c.ok and "Checkout is slow" in json.dumps(c.args)
    ]
    assert announced and announced[0].at < refused.at + 2.5  # posts went on meanwhile
