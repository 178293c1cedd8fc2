"""Private incidents: a private channel, only the people named, nothing but existence and
severity outside it, hidden from outsiders' lists and from exports without a flag."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from bot.db.models import Incident
from playground.server import SlackStandIn
from tests.e2e.harness import RunningBot, answer, bot_env, run_cli, state
from tests.slack_checks import check_message

SECRET_TITLE = "Customer PII exposed in logs"
SECRET_IMPACT = "Emails of 40k users readable by support staff"


def declare_private(standin: SlackStandIn, bot: RunningBot, responders: list[str]) -> dict[str, Any]:
    """Alice declares a private P1 through the form; the command's payload."""
    payload = standin.slash_command_payload(text="declare", user_id="U0ALICE")
    bot.sender.command(payload)
    opened = standin.wait_for("views.open", lambda c: c.args.get("trigger_id") == payload["trigger_id"])
    form = {
        "title": SECRET_TITLE,
        "severity": ("select", "P1"),
        "impact": SECRET_IMPACT,
        "commander": ("checks", ["self"]),
        "private": ("checks", ["private"]),
    }
    values = state(form)
    if responders:
        values["responders"] = {"value": {"type": "multi_users_select", "selected_users": responders}}
    bot.sender.interaction(standin.view_submission_payload(values, view_id=opened.response["view"]["id"]))
    return payload


def test_a_private_incident_stays_private(
    standin: SlackStandIn, bot: RunningBot, database_url: str, tmp_path: Path
) -> None:
    payload = declare_private(standin, bot, responders=["U0BOB"])
    standin.wait_for_response(payload["response_url"], timeout=10)
    engine = create_engine(database_url)
    with Session(engine) as session:
        incident = session.scalars(select(Incident)).one()
    engine.dispose()
    assert incident.is_private
    created = standin.wait_for("conversations.create")
    assert created.args["is_private"] in (True, "true", "1", 1)
    channel = incident.channel_id or ""
    assert set(standin.members(channel)) == {"UBOT", "U0ALICE", "U0BOB"}

    def outside_posts() -> list[dict[str, Any]]:
        return [
            c.args
            for c in standin.calls("chat.postMessage")
            if c.ok and c.response["channel"] != channel and not str(c.args["channel"]).startswith("U")
        ]

    standin.wait_for("chat.postMessage", lambda c: "leadership" in str(c.args["channel"]))
    for post in outside_posts():
        check_message(post)
        text = json.dumps(post)
        assert "A private P1 (Critical) incident was declared" in text
        for secret in (SECRET_TITLE, SECRET_IMPACT, "U0ALICE", "U0BOB", channel):
            assert secret not in text, secret
    inside = standin.messages(channel)[0]
    assert SECRET_TITLE in json.dumps(inside)

    # updates stay inside; the resolution is announced outside without details
    bot.sender.command(standin.slash_command_payload(text="update Rotated the keys", channel_id=channel))
    standin.wait_for("chat.postMessage", lambda c: "Rotated the keys" in str(c.args.get("text")))
    resolve = standin.slash_command_payload(text="resolve", channel_id=channel)
    bot.sender.command(resolve)
    opened = standin.wait_for("views.open", lambda c: c.args.get("trigger_id") == resolve["trigger_id"])
    summary = {
        "summary": "Logs scrubbed, access revoked",
        "root_cause": "Debug logging in prod",
        "fix": "Removed",
    }
    bot.sender.interaction(
        standin.view_submission_payload(state(summary), view_id=opened.response["view"]["id"])
    )
    standin.wait_for("chat.postMessage", lambda c: "was resolved after" in str(c.args.get("text")))
    time.sleep(1)
    for post in outside_posts():
        text = json.dumps(post)
        for secret in (SECRET_TITLE, SECRET_IMPACT, "Rotated the keys", "Logs scrubbed", "U0ALICE"):
            assert secret not in text, secret
    # outside edits of the announcements stay minimal too
    for update in standin.calls("chat.update"):
        if update.args["channel"] != channel:
            assert SECRET_TITLE not in json.dumps(update.args)

    # listed to insiders only (it is resolved now, so reopen to list it as open)
    bot.sender.command(standin.slash_command_payload(text="reopen", channel_id=channel))
    standin.wait_for("chat.postMessage", lambda c: "reopened" in str(c.args.get("text")))
    for user, visible in (("U0BOB", True), ("U0CAROL", False)):
        listing = standin.slash_command_payload(text="list", user_id=user)
        shown = json.dumps(answer(bot.sender.command(listing)))
        assert (SECRET_TITLE in shown) is visible, user

    env = bot_env(standin, database_url)
    refused = run_cli(["export", incident.ref], env, tmp_path)
    assert refused.returncode == 1 and "is private" in refused.stderr and SECRET_TITLE not in refused.stdout
    allowed = run_cli(["export", incident.ref, "--include-private"], env, tmp_path)
    assert allowed.returncode == 0 and SECRET_TITLE in allowed.stdout


def test_people_outside_learn_only_that_a_private_incident_needs_them(
    standin: SlackStandIn, database_url: str, tmp_path: Path
) -> None:
    from datetime import UTC, datetime

    from tests.e2e.db import wait_settled
    from tests.e2e.harness import start_bot
    from tests.e2e.receiver import Receiver

    receiver = Receiver()
    policy = tmp_path / "policy.yml"
    policy.write_text(
        "escalation:\n"
        "  working_hours: {timezone: UTC, start: '00:00'}\n"
        f"  targets: {{primary-oncall: {{users: [U0DAVE], webhook_url: '{receiver.url}/hook'}}}}\n"
        "  severities: {P1: {at_declare: [primary-oncall]}}\n"
    )
    bot = start_bot(tmp_path, bot_env(standin, database_url, INCIDENT_BOT_CONFIG=str(policy)))
    try:
        declare_private(standin, bot, responders=[])
        dm = standin.wait_for("chat.postMessage", lambda c: c.args["channel"] == "U0DAVE")
        check_message(dm.args)
        shown = json.dumps(dm.args)
        assert "A private P1 (Critical) incident needs you" in shown and '"private_join"' in shown
        [hook] = receiver.wait("/hook")
        for text in (shown, json.dumps(hook)):
            for secret in (SECRET_TITLE, SECRET_IMPACT, "U0ALICE"):
                assert secret not in text, secret
        assert hook["incident"]["private"] is True
        wait_settled(database_url)
        engine = create_engine(database_url)
        with Session(engine) as session:
            incident = session.scalars(select(Incident)).one()
        engine.dispose()
        channel = incident.channel_id or ""
        assert "U0DAVE" not in standin.members(channel)

        def press(user: str) -> str:
            join = standin.block_actions_payload(
                "private_join", str(incident.id), user, channel_id="D0" + user
            )
            bot.sender.interaction(join)
            return str(standin.wait_for_response(join["response_url"])["text"])

        assert "being added" in press("U0DAVE")
        standin.wait_for("conversations.invite", lambda c: c.args["users"] == "U0DAVE")
        assert "asked to join already" in press("U0DAVE")
        assert "Only the people" in press("U0CAROL")  # nobody asked Carol
        # an action item for Carol, who is not in the channel: the reminder says nothing of it
        today = datetime.now(UTC).date().isoformat()
        item = standin.slash_command_payload(
            text=f"action Purge {SECRET_TITLE} <@U0CAROL|carol> due {today}", channel_id=channel
        )
        assert "Action item #1 added" in answer(bot.sender.command(item))["text"]
        reminder = standin.wait_for("chat.postMessage", lambda c: c.args["channel"] == "U0CAROL", timeout=15)
        check_message(reminder.args)
        assert "action item from a private incident" in reminder.args["text"]
        assert SECRET_TITLE not in json.dumps(reminder.args) and '"private_join"' in json.dumps(reminder.args)
        assert "being added" in press("U0CAROL")  # an owner may come in
        wait_settled(database_url)
        assert {"U0DAVE", "U0CAROL"} <= set(standin.members(channel))
    finally:
        receiver.stop()
        assert bot.stop() == 0, bot.log()
