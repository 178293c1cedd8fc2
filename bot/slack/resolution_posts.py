"""The Slack side of resolving, reopening and closing, after the commit; and status page drafts."""

from __future__ import annotations

from bot.context import Context
from bot.db.models import Incident, Status
from bot.durations import humanize_duration
from bot.policy import COMMANDER_ROLE
from bot.slack import announcements
from bot.slack.presenters import facts
from bot.slack.steps import Steps
from bot.slack.update_posts import publish_change

COMMS_ROLE = "comms_lead"


def _within(ctx: Context) -> str:
    return humanize_duration(ctx.policy.postmortem_due_within)


def publish_resolution(ctx: Context, incident: Incident) -> Steps:
    steps = Steps(incident.ref)
    i = facts(ctx.policy, incident, ctx.clock())
    message = ctx.render.message("resolution", i=i, postmortem_within=_within(ctx))
    if incident.channel_id:
        channel = incident.channel_id
        steps.run("posting in the incident channel", lambda: ctx.slack.post(channel, message))
    # outside its channel, a private incident shows only that it ended
    outside = ctx.render.message("private_notice", i=i, ended=True) if incident.is_private else message
    steps.run(
        "posting in #" + ctx.policy.announcement_channel,
        lambda: ctx.slack.post(ctx.policy.announcement_channel, outside),
    )
    leadership = ctx.policy.leadership_channel
    if leadership and ctx.policy.announces_to_leadership(incident.severity):
        steps.run("posting in #" + leadership, lambda: ctx.slack.post(leadership, outside))
    steps.run("updating the announcements and topic", lambda: announcements.refresh(ctx, incident))
    steps.run("sending the status page draft", lambda: send_statuspage_draft(ctx, incident))
    return steps


def send_statuspage_draft(ctx: Context, incident: Incident, to: str | None = None) -> None:
    """DM the Comms Lead (or the commander when there is none) the status page text for now."""
    to = to or incident.holder(COMMS_ROLE) or incident.holder(COMMANDER_ROLE)
    if to is None:
        return
    i = facts(ctx.policy, incident, ctx.clock())
    resolved = incident.status in (Status.RESOLVED.value, Status.CLOSED.value)
    name = "docs/statuspage_resolved.txt.j2" if resolved else "docs/statuspage_investigating.txt.j2"
    draft = ctx.render.text(name, i=i, now=ctx.clock(), postmortem_within=_within(ctx)).strip()
    stage = "Resolved" if resolved else "Investigating"
    ctx.slack.dm(to, ctx.render.message("statuspage_draft", i=i, draft=draft, stage=stage))


def publish_reopen(ctx: Context, incident: Incident, actor: str) -> Steps:
    return publish_change(ctx, incident, f"<@{actor}> reopened {incident.ref}: back to Investigating.")


def remind_postmortem(ctx: Context, incident: Incident) -> None:
    if (
        incident.channel_id is None
        or incident.status != Status.RESOLVED.value
        or incident.resolved_at is None
    ):
        return
    due = incident.resolved_at + ctx.policy.postmortem_due_within
    message = ctx.render.message("postmortem_reminder", i=facts(ctx.policy, incident, ctx.clock()), due=due)
    ctx.slack.post(incident.channel_id, message)
