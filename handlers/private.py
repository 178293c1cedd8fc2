"""The "Join the incident channel" button a private incident sends to people outside it."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext

from bot.incidents import joining
from bot.rendering import Message
from handlers.common import bot, button, notice, number


def join_channel(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    ctx = bot(context)
    user = str(body["user"]["id"])

    def save() -> Message | None:
        incident_id = number(body["actions"][0]["value"])
        if joining.join(ctx.sessions, ctx.policy, incident_id, user, ctx.clock()):
            return notice(
                ctx, "You are being added to the incident's private channel; it will show in your sidebar."
            )
        return notice(ctx, "You have asked to join already; the channel is in your sidebar.")

    button(ctx, ack, context, save)
