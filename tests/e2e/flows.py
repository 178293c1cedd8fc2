"""Steps many end-to-end tests take: declare an incident and wait until Slack has it all."""

from __future__ import annotations

from sqlalchemy import select

from bot.db.models import Incident
from playground.server import SlackStandIn
from tests.e2e.db import read, wait_settled
from tests.e2e.harness import RunningBot, answer, state


def declare(
    standin: SlackStandIn, bot: RunningBot, database_url: str, text: str, user: str = "U0ALICE"
) -> Incident:
    """``/incident declare <text>`` (the fast path); returns the incident once its Slack side is done."""
    payload = standin.slash_command_payload(text=f"declare {text}", user_id=user)
    assert "is declared" in answer(bot.sender.command(payload))["text"]
    wait_settled(database_url)
    incident = read(database_url, lambda s: s.scalars(select(Incident).order_by(Incident.id.desc())).first())
    assert incident is not None and incident.channel_id
    return incident


def resolve(
    standin: SlackStandIn,
    bot: RunningBot,
    channel: str,
    summary: str = "Back",
    root_cause: str = "",
    fix: str = "",
) -> None:
    """``/incident resolve`` in the incident's channel, its form filled in and submitted."""
    payload = standin.slash_command_payload(text="resolve", channel_id=channel)
    bot.sender.command(payload)
    opened = standin.wait_for("views.open", lambda c: c.args.get("trigger_id") == payload["trigger_id"])
    form = state({"summary": summary, "root_cause": root_cause, "fix": ""})
    bot.sender.interaction(standin.view_submission_payload(form, view_id=opened.response["view"]["id"]))
