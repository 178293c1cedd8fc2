"""The incident's announcement (posted in each place, edited in place) and its channel topic."""

from __future__ import annotations

from bot.db.models import Incident
from bot.rendering import Message
from bot.slack.context import SlackContext
from bot.slack.presenters import facts
from bot.text import shorten

TOPIC_MAX = 250


def announcement(ctx: SlackContext, incident: Incident, buttons: bool = True) -> Message:
    """The announcement; ``buttons``: its role panel can be pressed (not in the leadership channel)."""
    return ctx.render.message("announcement", i=facts(ctx.policy, incident, ctx.clock()), buttons=buttons)


def topic(ctx: SlackContext, incident: Incident) -> str:
    text = ctx.render.text("messages/topic.txt.j2", i=facts(ctx.policy, incident, ctx.clock()))
    return shorten(" ".join(text.split()), TOPIC_MAX)
