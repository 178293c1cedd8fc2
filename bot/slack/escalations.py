"""The Slack side of an escalation: DM the people, post in the channels, tell the incident channel."""

from __future__ import annotations

from functools import partial

from bot.context import Context
from bot.db.models import Incident
from bot.incidents.escalation import Notice
from bot.slack.presenters import facts
from bot.slack.steps import Steps


def notify(ctx: Context, incident: Incident, notice: Notice) -> Steps:
    steps = Steps(incident.ref)
    i = facts(ctx.policy, incident, ctx.clock())
    reached: list[str] = []
    for name, target in notice.targets:
        mentions = " ".join(f"<!subteam^{group}>" for group in target.usergroups)
        message = ctx.render.message("escalation", i=i, notice=notice, mentions=mentions)
        # a private incident's details go to people, never to channels
        public = ctx.render.message("private_notice", i=i, ended=False) if incident.is_private else message
        for user in target.users:
            steps.run(f"telling <@{user}>", partial(ctx.slack.dm, user, message))
        for channel in target.channels:
            steps.run(f"posting in #{channel}", partial(ctx.slack.post, channel, public))
        people = [f"<@{u}>" for u in target.users] + [f"<!subteam^{g}>" for g in target.usergroups]
        people += [f"<#{c}>" if c[:1] in "CG" and c.isupper() else f"#{c}" for c in target.channels]
        if target.pages:
            people.append("paged")
        reached.append(f"{name} ({', '.join(people)})" if people else f"{name} (nobody configured)")
    if incident.channel_id and notice.targets:
        channel = incident.channel_id
        line = f"{notice.reason}: escalated to {'; '.join(reached)}."
        note = ctx.render.message("incident_changed", line=line, reason="")
        steps.run("posting in the incident channel", lambda: ctx.slack.post(channel, note))
    return steps
