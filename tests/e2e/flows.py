"""Steps many end-to-end tests take: declare an incident and wait until Slack has it all."""

from __future__ import annotations

from sqlalchemy import select

from bot.db.models import Incident
from playground.server import SlackStandIn
from tests.e2e.db import read, wait_settled
from tests.e2e.harness import RunningBot, answer


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
