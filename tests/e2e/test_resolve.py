"""Resolve, reopen, the postmortem reminder and closing, end to end."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from bot.db.models import Incident, ScheduledWork
from playground.records import Call
from playground.server import SlackStandIn
from tests.e2e.db import timeline_kinds
from tests.e2e.harness import RunningBot, answer, bot_env, start_bot, state
from tests.slack_checks import assert_no_live_tokens, check_message, check_view

POLICY = """
severities:
  - {key: P1, label: Critical, response_target: 15m, update_cadence: 2s}
  - {key: P2, label: High, response_target: 1h, update_cadence: 30m}
postmortem_reminder_after: 3s
"""


@pytest.fixture
def bot(standin: SlackStandIn, database_url: str, tmp_path: Path) -> Iterator[RunningBot]:
    policy = tmp_path / "policy.yml"
    policy.write_text(POLICY)
    running = start_bot(tmp_path, bot_env(standin, database_url, INCIDENT_BOT_CONFIG=str(policy)))
    yield running
    assert running.stop() == 0, running.log()
    assert "Traceback" not in running.log(), running.log()


def load(database_url: str) -> Incident:
    engine = create_engine(database_url)
    try:
        with Session(engine) as session:
            return session.scalars(select(Incident)).one()
    finally:
        engine.dispose()


def reminder_count(standin: SlackStandIn, channel: str | None) -> int:
    return len(
        [
            c
            for c in standin.calls("chat.postMessage")
            if c.args.get("channel") == channel and "update on" in str(c.args.get("text"))
        ]
    )


def test_resolve_reopen_and_close(standin: SlackStandIn, bot: RunningBot, database_url: str) -> None:
    payload = standin.slash_command_payload(text="declare P1 Checkout down")
    bot.sender.command(payload)
    standin.wait_for_response(payload["response_url"], timeout=10)
    incident = load(database_url)
    channel = incident.channel_id or ""
    # Carol takes Comms Lead: she gets the Investigating status page draft
    stored = incident.message("announcement")
    assert stored is not None
    bot.sender.interaction(
        standin.block_actions_payload(
            "role_take", f"{incident.id}:comms_lead", "U0CAROL", channel_id=channel, message_ts=stored.ts
        )
    )
    draft = standin.wait_for(
        "chat.postMessage", lambda c: c.args["channel"] == "U0CAROL" and "Status page draft" in c.args["text"]
    )
    check_message(draft.args)
    assert "Status: Investigating" in json.dumps(draft.args["blocks"])
    standin.wait_for(
        "chat.postMessage",
        lambda c: c.args.get("channel") == channel and "update on" in str(c.args.get("text")),
        timeout=10,
    )

    # resolve through the modal
    payload = standin.slash_command_payload(text="resolve", channel_id=channel)
    bot.sender.command(payload)
    opened = standin.wait_for("views.open", lambda c: c.args.get("trigger_id") == payload["trigger_id"])
    check_view(opened.args["view"])
    view_id = opened.response["view"]["id"]
    empty = standin.view_submission_payload(
        state({"summary": " ", "root_cause": "", "fix": ""}), view_id=view_id
    )
    assert "summary" in json.loads(bot.sender.interaction(empty).body)["errors"]
    form = {
        "summary": "Checkout is back <!channel>",
        "root_cause": "Connection pool exhausted",
        "fix": "Raised the pool size",
    }
    submission = standin.view_submission_payload(state(form), view_id=view_id)
    bot.sender.interaction(submission)
    bot.sender.interaction(submission)  # a double submit resolves once
    resolution = standin.wait_for(
        "chat.postMessage", lambda c: c.args.get("channel") == channel and "resolved after" in c.args["text"]
    )
    check_message(resolution.args)
    text = json.dumps(resolution.args["blocks"])
    for expected in (
        "P1 - Critical",
        "Connection pool exhausted",
        "Raised the pool size",
        "within 2 days",
        "<@U0ALICE>, <@U0CAROL>",
    ):
        assert expected in text, expected
    assert_no_live_tokens(text)
    for where in ("incident-response", "leadership"):

        def resolved_in(c: Call, w: str = where) -> bool:
            return w in str(c.args["channel"]) and "resolved after" in c.args["text"]

        standin.wait_for("chat.postMessage", resolved_in)
    resolved_draft = standin.wait_for(
        "chat.postMessage", lambda c: c.args["channel"] == "U0CAROL" and "Resolved" in c.args["text"]
    )
    assert "Connection pool exhausted" in json.dumps(resolved_draft.args["blocks"])
    standin.wait_for(
        "chat.update",
        lambda c: (
            c.args["ts"] == stored.ts and "✅ Resolved" in json.dumps(c.args["blocks"], ensure_ascii=False)
        ),
    )
    time.sleep(1)
    assert len([c for c in standin.calls("chat.postMessage") if "resolved after" in c.args["text"]]) == 3
    resolved = load(database_url)
    assert (
        resolved.status == "Resolved"
        and resolved.resolved_at is not None
        and resolved.root_cause == "Connection pool exhausted"
    )
    assert standin.topic(channel).startswith("P1 · Resolved")

    # no more reminders once resolved
    count = reminder_count(standin, channel)
    time.sleep(2.5)
    assert reminder_count(standin, channel) == count

    # reopen: reminders resume
    payload = standin.slash_command_payload(text="reopen", channel_id=channel)
    bot.sender.command(payload)
    standin.wait_for("chat.postMessage", lambda c: "reopened" in c.args["text"])
    deadline = time.monotonic() + 6
    while reminder_count(standin, channel) == count and time.monotonic() < deadline:
        time.sleep(0.1)
    assert reminder_count(standin, channel) == count + 1
    assert load(database_url).status == "Investigating"
    payload = standin.slash_command_payload(text="reopen", channel_id=channel)
    assert "is not resolved" in answer(bot.sender.command(payload))["text"]

    # resolve again by the modal, then the postmortem reminder comes and "Postmortem done" closes it
    payload = standin.slash_command_payload(text="resolve", channel_id=channel)
    bot.sender.command(payload)
    opened = standin.wait_for("views.open", lambda c: c.args.get("trigger_id") == payload["trigger_id"])
    bot.sender.interaction(
        standin.view_submission_payload(
            state({**form, "summary": "Back again"}), view_id=opened.response["view"]["id"]
        )
    )
    reminder = standin.wait_for(
        "chat.postMessage",
        lambda c: c.args.get("channel") == channel and "postmortem review" in c.args["text"],
        timeout=10,
    )
    check_message(reminder.args)
    assert reminder.args["text"].startswith("<@U0ALICE>")
    press = standin.block_actions_payload(
        "postmortem_done", str(incident.id), "U0ALICE", channel_id=channel, message_ts=reminder.response["ts"]
    )
    bot.sender.interaction(press)
    standin.wait_for("chat.postMessage", lambda c: "is closed" in c.args["text"])
    closed = load(database_url)
    assert closed.status == "Closed" and closed.closed_at is not None
    assert (
        timeline_kinds(database_url).count("resolved") == 2
        and "reopened" in timeline_kinds(database_url)
        and "closed" in timeline_kinds(database_url)
    )
    engine = create_engine(database_url)
    with Session(engine) as session:
        assert session.scalars(select(ScheduledWork).where(ScheduledWork.kind != "follow_up")).all() == []
    engine.dispose()
    payload = standin.slash_command_payload(text="update still broken?", channel_id=channel)
    assert "is closed" in answer(bot.sender.command(payload))["text"]
