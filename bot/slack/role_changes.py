"""The Slack side of a role change, after it is committed: panel, topic, channel line, DMs, invite."""

from __future__ import annotations

from bot.context import Context
from bot.db.models import OPEN_STATUSES
from bot.incidents.roles import Outcome, RoleChange
from bot.slack import announcements
from bot.slack.presenters import facts
from bot.slack.resolution_posts import COMMS_ROLE, send_statuspage_draft
from bot.slack.steps import Steps

OPEN = {s.value for s in OPEN_STATUSES}


def announce(ctx: Context, change: RoleChange) -> Steps:
    """Tell everyone concerned; returns the steps with any Slack failures (the change stays saved)."""
    steps = Steps(change.incident.ref)
    if change.outcome is Outcome.UNCHANGED:
        return steps
    incident = change.incident
    i = facts(ctx.policy, incident, ctx.clock())
    channel = incident.channel_id
    if channel and change.user:
        user = change.user
        steps.run("inviting them to the channel", lambda: ctx.slack.invite(channel, [user]))
    steps.run("updating the announcements and topic", lambda: announcements.refresh(ctx, incident))
    if channel:
        line = ctx.render.message("role_changed", change=change)
        steps.run("posting in the incident channel", lambda: ctx.slack.post(channel, line))
    if change.user:
        user = change.user
        dm = ctx.render.message("role_dm", change=change, i=i)
        steps.run("sending them their responsibilities", lambda: ctx.slack.dm(user, dm))
    if change.user and change.role.key == COMMS_ROLE and incident.status in OPEN:
        user = change.user
        steps.run("sending the status page draft", lambda: send_statuspage_draft(ctx, incident, user))
    if change.previous and change.previous != change.actor:
        previous = change.previous
        lost = ctx.render.message("role_lost_dm", change=change, i=i)
        steps.run("telling the previous holder", lambda: ctx.slack.dm(previous, lost))
    return steps
