"""The Slack side of updates, status and severity changes, after they are committed."""

from __future__ import annotations

from bot.context import Context
from bot.db.models import Incident
from bot.incidents.updates import PostedUpdate, SeverityChange
from bot.slack import announcements
from bot.slack.presenters import facts
from bot.slack.render import Message
from bot.slack.steps import Steps


def publish_update(ctx: Context, posted: PostedUpdate) -> Steps:
    """Post the update in the incident channel and the announcement channel; edit the announcements."""
    incident = posted.incident
    steps = Steps(incident.ref)
    message = ctx.render.message(
        "update",
        i=facts(ctx.policy, incident, ctx.clock()),
        u=posted.update,
        changed_from=posted.status_changed_from,
    )
    if incident.channel_id:
        channel = incident.channel_id
        steps.run("posting in the incident channel", lambda: ctx.slack.post(channel, message))
    if not incident.is_private:  # a private incident's updates stay in its channel
        steps.run("posting in the announcement channel", lambda: _broadcast(ctx, incident, message))
    steps.run("updating the announcements and topic", lambda: announcements.refresh(ctx, incident))
    return steps


def _broadcast(ctx: Context, incident: Incident, message: Message) -> None:
    broadcast = incident.message("broadcast")
    if ctx.policy.updates_in_thread and broadcast is not None:
        ctx.slack.post(broadcast.channel_id, message, thread_ts=broadcast.ts)
    else:
        ctx.slack.post(ctx.policy.announcement_channel, message)


def publish_change(ctx: Context, incident: Incident, line: str, reason: str = "") -> Steps:
    """A status or severity change: a line in the incident channel, announcements and topic edited."""
    steps = Steps(incident.ref)
    if incident.channel_id:
        channel = incident.channel_id
        note = ctx.render.message("incident_changed", line=line, reason=reason)
        steps.run("posting in the incident channel", lambda: ctx.slack.post(channel, note))
    steps.run("updating the announcements and topic", lambda: announcements.refresh(ctx, incident))
    return steps


def publish_severity(ctx: Context, change: SeverityChange, actor: str, reason: str) -> Steps:
    incident = change.incident
    word = "raised" if change.upgrade else "lowered"
    line = f"<@{actor}> {word} the severity from {change.previous} to {incident.severity}."
    steps = publish_change(ctx, incident, line, reason)
    leadership = ctx.policy.leadership_channel
    if change.upgrade and leadership and ctx.policy.announces_to_leadership(incident.severity):
        steps.run(
            "announcing in #" + leadership,
            lambda: announcements.post_once(ctx, incident, "leadership", leadership),
        )
    return steps
