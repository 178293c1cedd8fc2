"""The incident's messages kept in place: announcements in every channel, and the channel topic."""

from __future__ import annotations

import logging

from bot.context import Context
from bot.db.models import ENDED_STATUSES, Incident
from bot.incidents import slack_state
from bot.slack.presenters import facts
from bot.slack.render import Message
from bot.text import shorten

log = logging.getLogger(__name__)

ANNOUNCEMENT_PURPOSES = ("announcement", "broadcast", "leadership")
ENDED = {s.value for s in ENDED_STATUSES}
TOPIC_MAX = 250


def announcement(ctx: Context, incident: Incident, purpose: str = "announcement") -> Message:
    """The announcement for one of its places. Outside its own channel a private incident shows
    only that it exists and its severity."""
    i = facts(ctx.policy, incident, ctx.clock())
    if incident.is_private and purpose != "announcement":
        return ctx.render.message("private_notice", i=i, ended=incident.status in ENDED)
    return ctx.render.message("announcement", i=i)


def topic(ctx: Context, incident: Incident) -> str:
    text = ctx.render.text("messages/topic.txt.j2", i=facts(ctx.policy, incident, ctx.clock()))
    return shorten(" ".join(text.split()), TOPIC_MAX)


def post_once(ctx: Context, incident: Incident, purpose: str, channel: str) -> Incident:
    """Post the announcement in ``channel`` unless it was posted there for ``purpose`` already."""
    if incident.message(purpose) is not None:
        return incident
    channel_id, ts = ctx.slack.post(channel, announcement(ctx, incident, purpose))
    slack_state.record_message(ctx.sessions, incident.id, purpose, channel_id, ts)
    return slack_state.load(ctx.sessions, incident.id)


def refresh(ctx: Context, incident: Incident) -> None:
    """Edit every stored announcement and the topic to show the incident as it is now.

    Reloaded here, not taken from the caller: of two changes committed at once, the edit that
    reaches Slack last still shows both.
    """
    with ctx.incident_locks.get(incident.id):  # in this process, edits of one incident go out in commit order
        incident = slack_state.load(ctx.sessions, incident.id)
        for stored in incident.messages:
            if stored.purpose in ANNOUNCEMENT_PURPOSES:
                ctx.slack.update(stored.channel_id, stored.ts, announcement(ctx, incident, stored.purpose))
        if incident.channel_id:
            ctx.slack.set_topic(incident.channel_id, topic(ctx, incident))
