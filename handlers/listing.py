"""``/incident list`` and ``/incident status``: reading incidents, nothing changes."""

from __future__ import annotations

from bot.context import Context
from bot.incidents import queries
from bot.slack.presenters import facts
from bot.slack.render import Message
from handlers.common import Command, notice


def list_open(ctx: Context, command: Command) -> None:
    now = ctx.clock()
    with ctx.sessions() as session:
        incidents = [facts(ctx.policy, i, now) for i in queries.open_incidents(session)]
    ctx.slack.reply(command.response_url, ctx.render.message("incident_list", incidents=incidents))


def status_card(ctx: Context, command: Command) -> None:
    with ctx.sessions() as session:
        incident = queries.by_channel(session, command.channel_id)
    if incident is None:
        ctx.slack.reply(command.response_url, not_an_incident_channel(ctx, command.name))
        return
    card = ctx.render.message("status_card", i=facts(ctx.policy, incident, ctx.clock()))
    ctx.slack.reply(command.response_url, card)


def not_an_incident_channel(ctx: Context, name: str) -> Message:
    return notice(
        ctx,
        f"`/incident {name}` works inside an incident's channel, and this is not one.",
        "Run it there, or use `/incident list` to find the incident.",
    )
