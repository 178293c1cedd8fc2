"""A storm: every flow while Slack answers 30 % of calls with 429 and 10 % with 500 (the Web API,
not the stand-in's test hooks). When it has passed, everything each incident owed Slack exists
exactly once: its channel, announcements, updates, resolution posts, DMs and files."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot.db.models import ActionItem, Incident, TimelineEvent
from playground.server import SlackStandIn
from tests.e2e.db import effects, read, wait_settled
from tests.e2e.harness import RunningBot, answer, bot_env, known_channel, opened_by, start_bot, state

FORM = {"title": "Search is down", "severity": ("select", "P2"), "commander": ("checks", ["self"])}


def open_form(standin: SlackStandIn, bot: RunningBot, text: str, channel: str, user: str = "U0ALICE") -> str:
    """Run a command that opens a form; as a person would, run it again if Slack did not open it."""
    for _ in range(6):
        payload = standin.slash_command_payload(text=text, channel_id=channel, user_id=user)
        bot.sender.command(payload)
        try:
            call = standin.wait_for("views.open", opened_by(payload))
        except AssertionError:
            continue
        if call.ok:
            return str(call.response["view"]["id"])
    raise AssertionError(f"the {text} form never opened")


def submit(
    standin: SlackStandIn, bot: RunningBot, view_id: str, form: dict[str, Any], user: str = "U0ALICE"
) -> None:
    reply = bot.sender.interaction(
        standin.view_submission_payload(state(form), view_id=view_id, user_id=user)
    )
    assert reply.status == 200 and not reply.body, reply.body


def test_every_flow_in_a_storm_lands_exactly_once(
    standin: SlackStandIn, database_url: str, tmp_path: Path
) -> None:
    policy = tmp_path / "policy.yml"
    policy.write_text("escalation:\n  working_hours: {timezone: UTC, start: '00:00'}\n")
    bot = start_bot(tmp_path, bot_env(standin, database_url, INCIDENT_BOT_CONFIG=str(policy)))
    standin.set_fault_rates(0.3, 0.1, seed=7, retry_after=0)
    try:
        storm(standin, bot, database_url)
    finally:
        standin.clear_faults()
        assert bot.stop() == 0, bot.log()
    assert "Traceback" not in bot.log()


def storm(standin: SlackStandIn, bot: RunningBot, database_url: str) -> None:
    # declared on the fast path, and by the form
    assert (
        "is declared"
        in answer(bot.sender.command(standin.slash_command_payload(text="declare P2 Orders stuck")))["text"]
    )
    submit(
        standin, bot, open_form(standin, bot, "declare", "C0GENERAL", user="U0CAROL"), FORM, user="U0CAROL"
    )
    wait_settled(database_url, timeout=90)
    first, second = read(database_url, lambda s: list(s.scalars(select(Incident).order_by(Incident.id))))
    channel = first.channel_id or ""
    announcement = first.message("announcement")
    assert announcement is not None and second.channel_id

    # roles, an update, status and severity changes, a note, a follow-up
    bot.sender.interaction(
        standin.block_actions_payload(
            "role_take", f"{first.id}:tech_lead", "U0BOB", channel_id=channel, message_ts=announcement.ts
        )
    )
    today = datetime.now(UTC).date().isoformat()
    for text in (
        "update Replaying the stuck queue",
        "status identified",
        "severity P1",
        "note Queue drained",
        f"action Add a dead-letter alarm <@U0BOB|bob> due {today}",
    ):
        assert bot.sender.command(standin.slash_command_payload(text=text, channel_id=channel)).status == 200
    standin.wait_for(
        "chat.postMessage",
        lambda c: c.ok and c.args["channel"] == "U0BOB" and "Action item" in c.args["text"],
        timeout=30,
    )
    wait_settled(database_url, timeout=90)

    # resolve by the form, then the postmortem
    view = open_form(standin, bot, "resolve", channel)
    submit(
        standin,
        bot,
        view,
        {"summary": "Orders flow again", "root_cause": "A poison message", "fix": "Dead-lettered it"},
    )
    answer(bot.sender.command(standin.slash_command_payload(text="postmortem", channel_id=channel)))
    wait_settled(database_url, timeout=90)

    faults = Counter(c.status for c in standin.calls())
    assert faults[429] > 10 and faults[500] > 3, faults  # the storm really happened
    failed = effects(database_url, "failed")
    assert not failed, [(e.key, e.attempts, e.last_error) for e in failed]
    ok = [c for c in standin.calls("chat.postMessage") if c.ok]
    twice = {k: n for k, n in Counter((c.response["channel"], c.args["text"]) for c in ok).items() if n > 1}
    assert not twice, twice
    assert len([c for c in standin.calls("conversations.create") if c.ok]) == 2
    announced = Counter(
        c.response["channel"] for c in ok if c.args["text"].startswith("🚨 Incident declared")
    )
    announce_channel = known_channel(standin, "incident-response")["id"]
    assert announced == Counter(
        {channel: 1, second.channel_id: 1, announce_channel: 2, known_channel(standin, "leadership")["id"]: 1}
    )
    updates = Counter(c.response["channel"] for c in ok if "Replaying the stuck queue" in c.args["text"])
    assert updates == Counter({channel: 1, announce_channel: 1})
    resolved = [c for c in ok if "resolved after" in c.args["text"]]
    assert len(resolved) == 3  # the incident channel, the announcement channel, leadership (P1 now)
    for user, words in (
        ("U0BOB", "You are now Tech Lead"),
        ("U0BOB", "Action item from"),
        ("U0ALICE", "Status page draft"),
    ):
        assert len([c for c in ok if c.args["channel"] == user and words in c.args["text"]]) == 1, (
            user,
            words,
        )
    assert len(standin.files()) == 1 and len(standin.bookmarks(channel)) == 1
    final = next(m for m in standin.messages(channel) if m["ts"] == announcement.ts)
    assert "Resolved" in json.dumps(final["blocks"])  # the announcement shows the end state
    kinds = read(
        database_url,
        lambda s: list(s.scalars(select(TimelineEvent.kind).where(TimelineEvent.incident_id == first.id))),
    )
    for kind in (
        "role_assigned",
        "update_posted",
        "status_changed",
        "severity_changed",
        "note",
        "action_added",
        "resolved",
    ):
        assert kind in kinds, kind
    assert read(database_url, lambda s: s.scalars(select(ActionItem.owner)).one()) == "U0BOB"
