"""``/incident list`` and ``/incident status``: reading incidents, nothing changes."""

from __future__ import annotations

from bot.context import Context
from bot.db.models import OPEN_STATUSES
from bot.incidents import queries
from bot.slack.presenters import facts
from handlers.common import Command, incident_here


def list_open(ctx: Context, command: Command) -> None:
    now = ctx.clock()
    with ctx.sessions() as session:
        found = queries.open_incidents(session)
    # private incidents are listed only to the people in them
    incidents = [facts(ctx.policy, i, now) for i in found if ctx.people.can_see(i, command.user_id)]
    ctx.slack.reply(command.response_url, ctx.render.message("incident_list", incidents=incidents))


def status_card(ctx: Context, command: Command) -> None:
    incident = incident_here(ctx, command)
    if incident is None:
        return
    statuses = [s.value for s in OPEN_STATUSES]
    card = ctx.render.message("status_card", i=facts(ctx.policy, incident, ctx.clock()), statuses=statuses)
    ctx.slack.reply(command.response_url, card)
