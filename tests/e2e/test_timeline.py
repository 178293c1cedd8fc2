"""Timeline capture, notes, the postmortem and follow-ups, end to end."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from bot.db.models import ActionItem, Incident, ScheduledWork
from playground.server import SlackStandIn
from tests.e2e.db import events, wait_settled
from tests.e2e.harness import RunningBot, answer, bot_env, run_cli, start_bot, state
from tests.slack_checks import HOSTILE, assert_no_live_tokens, check_message, check_view


def declare(standin: SlackStandIn, bot: RunningBot, database_url: str) -> Incident:
    payload = standin.slash_command_payload(text="declare P2 Checkout latency")
    bot.sender.command(payload)
    standin.wait_for_response(payload["response_url"], timeout=10)
    return one(database_url, Incident)


Model = TypeVar("Model", Incident, ActionItem)


def one(database_url: str, model: type[Model]) -> Model:
    """The newest row of ``model``."""
    engine = create_engine(database_url)
    with Session(engine) as session:
        found = session.scalars(select(model).order_by(model.id.desc())).first()
    engine.dispose()
    assert found is not None, f"no {model.__name__} in the database"
    return found


def command(
    standin: SlackStandIn, bot: RunningBot, text: str, channel: str, user: str = "U0ALICE"
) -> dict[str, Any]:
    payload = standin.slash_command_payload(text=text, user_id=user, channel_id=channel)
    return answer(bot.sender.command(payload))


def wait_until(check: Callable[[], object], timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not check() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert check()


def test_pins_shortcut_notes_and_timeline(standin: SlackStandIn, bot: RunningBot, database_url: str) -> None:
    incident = declare(standin, bot, database_url)
    channel = incident.channel_id or ""
    typed = "Found it: the pool is at 100% &lt;!channel&gt;"  # as Slack delivers it
    message = standin.add_message(channel, typed, user="U0BOB")
    posted_at = datetime.fromtimestamp(float(message["ts"]), tz=UTC)
    time.sleep(1.1)  # the capture must keep the message's own time, not the time of the reaction
    reaction = {
        "type": "reaction_added",
        "user": "U0CAROL",
        "reaction": "pushpin",
        "item": {"type": "message", "channel": channel, "ts": message["ts"]},
        "item_user": "U0BOB",
        "event_ts": f"{time.time():.6f}",
    }
    payload = standin.event_payload(reaction, event_id="Ev0001")
    assert bot.sender.event(payload).status == 200
    assert bot.sender.event(payload, retry_num=1, retry_reason="http_timeout").status == 200  # Slack's retry
    other = standin.event_payload({**reaction, "reaction": "thumbsup"}, event_id="Ev0002")
    bot.sender.event(other)
    wait_until(lambda: len(events(database_url, "message")) == 1)
    time.sleep(0.5)
    [captured] = events(database_url, "message")
    assert captured.actor == "U0BOB" and abs((captured.at - posted_at).total_seconds()) < 0.01
    assert captured.details["text"] == "Found it: the pool is at 100% <!channel>"  # decoded once
    # the shortcut on the same message is the same entry; on another message, a new one
    shortcut = standin.message_action_payload("add_to_timeline", channel, message["ts"], user_id="U0DAVE")
    bot.sender.interaction(shortcut)
    assert "already" in standin.wait_for_response(shortcut["response_url"])["text"]
    second = standin.add_message(channel, "Rolling back now", user="U0CAROL")
    shortcut = standin.message_action_payload("add_to_timeline", channel, second["ts"], user_id="U0DAVE")
    bot.sender.interaction(shortcut)
    assert "Added to the timeline" in standin.wait_for_response(shortcut["response_url"])["text"]
    assert len(events(database_url, "message")) == 2
    # while someone else's pin stays on the message, removing one keeps the entry
    standin.react(channel, message["ts"], "pushpin", "U0BOB")
    removed = standin.event_payload({**reaction, "type": "reaction_removed"}, event_id="Ev0003")
    bot.sender.event(removed)
    # the removal looked at the message (a second read of it, after the capture's)
    standin.wait_for_count("conversations.history", 2, lambda c: c.args.get("latest") == message["ts"])
    time.sleep(0.5)
    assert len(events(database_url, "message")) == 2
    # the last pin gone, the entry goes too
    standin.react(channel, message["ts"], "pushpin", "U0BOB", add=False)
    bot.sender.event(standin.event_payload({**reaction, "type": "reaction_removed"}, event_id="Ev0004"))
    wait_until(lambda: len(events(database_url, "message")) == 1)
    # notes, and the timeline in order
    command(standin, bot, f"note {HOSTILE.replace('<', '&lt;').replace('>', '&gt;')}", channel)
    shown = command(standin, bot, "timeline", channel)
    check_message(shown)
    text = json.dumps(shown["blocks"])
    assert_no_live_tokens(text)
    assert (
        text.index("Declared as P2")
        < text.index("Message from <@U0CAROL>")
        < text.index("Note by <@U0ALICE>")
    )
    assert "Rolling back now" in text and "<!date^" in text and " UTC`" in text
    elsewhere = command(standin, bot, "timeline", "C0GENERAL")
    assert "works inside an incident's channel" in elsewhere["text"]


def test_postmortem_upload_bookmark_and_export(
    standin: SlackStandIn, bot: RunningBot, database_url: str, tmp_path: Path
) -> None:
    incident = declare(standin, bot, database_url)
    channel = incident.channel_id or ""
    bot.sender.command(standin.slash_command_payload(text="update Raised the pool size", channel_id=channel))
    standin.wait_for("chat.postMessage", lambda c: "Raised the pool size" in c.args["text"])
    reply = command(standin, bot, "postmortem", channel)
    assert "postmortem draft" in reply["text"]
    wait_settled(database_url)  # the upload and its bookmark are delivered after the answer
    [file] = standin.files()
    markdown = file.content.decode()
    assert file.channel == channel and file.name == f"{incident.ref}-postmortem.md"
    assert "DRAFT — IN PROGRESS" in markdown
    for section in (
        "## Incident Summary",
        "## Timeline (UTC)",
        "## Root Cause",
        "## Contributing Factors",
        "## What Went Well",
        "## What Didn't Go Well",
        "## Action Items",
        "## Misleading Paths",
        "## Escalation Points",
        "- **Severity**: P2 - High",
        "Raised the pool size",
    ):
        assert section in markdown, section
    [bookmark] = standin.bookmarks(channel)
    assert bookmark["title"] == "Postmortem" and bookmark["link"].endswith(file.name)
    calls = [c.method for c in standin.calls()]
    assert "files.getUploadURLExternal" in calls and "files.completeUploadExternal" in calls
    # resolve, then the postmortem is no longer a draft, and export writes the same document
    payload = standin.slash_command_payload(text="resolve", channel_id=channel)
    bot.sender.command(payload)
    opened = standin.wait_for("views.open", lambda c: c.args.get("trigger_id") == payload["trigger_id"])
    form = {"summary": "Latency back to normal", "root_cause": "Pool too small", "fix": "Pool 20 → 100"}
    bot.sender.interaction(
        standin.view_submission_payload(state(form), view_id=opened.response["view"]["id"])
    )
    standin.wait_for("chat.postMessage", lambda c: "resolved after" in c.args["text"])
    again = command(standin, bot, "resolve", channel)
    assert "resolved already" in again["text"]
    command(standin, bot, "postmortem", channel)
    wait_settled(database_url)
    assert len(standin.files()) == 2
    final = standin.files()[-1].content.decode()
    assert "DRAFT" not in final and "Pool too small" in final and "Latency back to normal" in final
    assert len(standin.bookmarks(channel)) == 1
    env = bot_env(standin, database_url)
    exported = run_cli(["export", incident.ref], env, tmp_path)
    assert exported.returncode == 0, exported.stderr
    assert exported.stdout.split("_Generated by")[0] == final.split("_Generated by")[0]
    as_json = json.loads(run_cli(["export", incident.ref, "--json"], env, tmp_path).stdout)
    assert (
        as_json["id"] == incident.ref and as_json["root_cause"] == "Pool too small" and not as_json["draft"]
    )
    missing = run_cli(["export", "INC-1999-0001"], env, tmp_path)
    assert missing.returncode == 1 and "no incident" in missing.stderr


def test_action_items_reminders_and_done(standin: SlackStandIn, database_url: str, tmp_path: Path) -> None:
    # Owners are reminded from the start of the working day the item is due: midnight here, so an
    # item due today is due now whatever the hour the test runs at.
    policy = tmp_path / "policy.yml"
    policy.write_text("escalation:\n  working_hours: {timezone: UTC, start: '00:00'}\n")
    bot = start_bot(tmp_path, bot_env(standin, database_url, INCIDENT_BOT_CONFIG=str(policy)))
    try:
        check_action_items(standin, bot, database_url)
    finally:
        assert bot.stop() == 0


def check_action_items(standin: SlackStandIn, bot: RunningBot, database_url: str) -> None:
    incident = declare(standin, bot, database_url)
    channel = incident.channel_id or ""
    today = datetime.now(ZoneInfo("America/New_York")).date()  # Alice's own day (her Slack time zone)
    reply = command(
        standin, bot, f"action Add pool metrics &lt;!here&gt; <@U0BOB|bob> due {today.isoformat()}", channel
    )
    assert "added for <@U0BOB>" in reply["text"]
    item = one(database_url, ActionItem)
    assert item.text == "Add pool metrics <!here>" and item.owner == "U0BOB" and item.due == today
    yesterday = (today - timedelta(days=1)).isoformat()
    assert "in the past" in command(standin, bot, f"action x due {yesterday}", channel)["text"]
    assert "YYYY-MM-DD" in command(standin, bot, "action x due 13/45", channel)["text"]
    bot.sender.command(standin.slash_command_payload(text="action", channel_id=channel))
    # the modal, with a date picker
    opened = standin.wait_for("views.open")
    check_view(opened.args["view"])
    past = {"text": "Load test at 3x", "owner": ("user", "U0CAROL"), "due": ("date", "2001-01-01")}
    view_id = opened.response["view"]["id"]
    body = json.loads(
        bot.sender.interaction(standin.view_submission_payload(modal_state(past), view_id=view_id)).body
    )
    assert "in the past" in body["errors"]["due"]
    fine = {**past, "due": ("date", (today + timedelta(days=7)).isoformat())}
    bot.sender.interaction(standin.view_submission_payload(modal_state(fine), view_id=view_id))
    wait_until(lambda: one(database_url, ActionItem).text == "Load test at 3x")
    # Bob's item is due today: the scheduler DMs him (the reminder time is this morning, so now)
    dm = standin.wait_for(
        "chat.postMessage",
        lambda c: c.args["channel"] == "U0BOB" and "Action item" in c.args["text"],
        timeout=10,
    )
    check_message(dm.args)
    assert_no_live_tokens(dm.args["text"])
    listing = command(standin, bot, "actions", channel)
    check_message(listing)
    assert "Add pool metrics" in json.dumps(listing["blocks"]) and "Load test at 3x" in json.dumps(
        listing["blocks"]
    )
    press = standin.block_actions_payload(
        "action_item_done",
        str(item.id),
        "U0BOB",
        channel_id=standin.dm_channel_id("U0BOB"),
        message_ts=dm.response["ts"],
    )
    bot.sender.interaction(press)
    assert "is done" in standin.wait_for_response(press["response_url"])["text"]
    engine = create_engine(database_url)
    with Session(engine) as session:
        assert session.get_one(ActionItem, item.id).done_at is not None
        pending = session.scalars(select(ScheduledWork.key).where(ScheduledWork.kind == "follow_up")).all()
    engine.dispose()
    assert str(item.id) not in pending and len(pending) == 1


def modal_state(values: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for block, value in values.items():
        if isinstance(value, tuple) and value[0] == "user":
            out[block] = {"value": {"type": "users_select", "selected_user": value[1]}}
        elif isinstance(value, tuple) and value[0] == "date":
            out[block] = {"value": {"type": "datepicker", "selected_date": value[1]}}
        else:
            out[block] = {"value": {"type": "plain_text_input", "value": value}}
    return out
