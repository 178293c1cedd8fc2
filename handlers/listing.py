"""``/incident list``: the open incidents (private ones only to the people in them)."""

from __future__ import annotations

from slack_bolt import BoltContext

from bot.incidents import access, queries
from bot.rendering import Message
from bot.slack.context import SlackContext
from bot.slack.presenters import facts
from handlers.common import Command, asker


def list_open(ctx: SlackContext, command: Command, context: BoltContext) -> Message:
    now = ctx.clock()
    with ctx.sessions() as session:
        found = queries.open_incidents(session)
    who = asker(ctx, command.user_id)
    incidents = [facts(ctx.policy, i, now) for i in found if access.may_act(i, who)]
    return ctx.render.message("incident_list", incidents=incidents)
