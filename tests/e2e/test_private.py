"""Private incidents: a private channel, only the people named, nothing but existence and
severity outside it, hidden from outsiders' lists and from exports without a flag."""

from __future__ import annotations

import json
import time
from pathlib import Path

from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from bot.db.models import Incident
from playground.server import SlackStandIn
from tests.e2e.harness import RunningBot, answer, bot_env, run_cli, state
from tests.slack_checks import check_message

SECRET_TITLE = "Customer PII exposed in logs"
SECRET_IMPACT = "Emails of 40k users readable by support staff"


def test_a_private_incident_stays_private(
    standin: SlackStandIn, bot: RunningBot, database_url: str, tmp_path: Path
) -> None:
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
    values["responders"] = {"value": {"type": "multi_users_select", "selected_users": ["U0BOB"]}}
    bot.sender.interaction(standin.view_submission_payload(values, view_id=opened.response["view"]["id"]))
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

    def outside_posts() -> list[dict]:  # type: ignore[type-arg]
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
