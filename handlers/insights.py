"""``/incident stats [since]`` and the bot's Home tab."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext

from bot.incidents import overviews
from bot.insights.history import parse_since
from bot.rendering import Message
from bot.slack.context import SlackContext
from bot.slack.insights_views import stats_message
from bot.text import decode_slack_text
from handlers.common import Command, bot


def stats_command(ctx: SlackContext, command: Command, context: BoltContext) -> Message:
    now = ctx.clock()
    since = parse_since(decode_slack_text(command.args), now, ctx.policy.tz)
    with ctx.sessions() as session:
        return stats_message(ctx.render, ctx.policy, session, now, since)


def home_opened(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """Someone opened the bot's Home tab: show them the open incidents (and keep it current)."""
    ctx = bot(context)
    event = body["event"]
    if event.get("tab") == "home" and event.get("user"):
        overviews.show(ctx.sessions, str(event["user"]), ctx.clock())
    ack()
