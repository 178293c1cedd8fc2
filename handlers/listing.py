"""``/incident list``: the open incidents (private ones only to the people in them)."""

from __future__ import annotations

from slack_bolt import BoltContext

from bot.incidents import queries
from bot.rendering import Message
from bot.slack.context import SlackContext
from bot.slack.presenters import facts
from handlers.common import Command


def list_open(ctx: SlackContext, command: Command, context: BoltContext) -> Message:
    now = ctx.clock()
    with ctx.sessions() as session:
        found = queries.open_incidents(session)
    incidents = [facts(ctx.policy, i, now) for i in found if ctx.people.can_see(i, command.user_id)]
    return ctx.render.message("incident_list", incidents=incidents)
