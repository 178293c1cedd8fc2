"""The timeline: 📌 reactions and the "Add to incident timeline" shortcut capture messages;
``/incident note``, ``/incident timeline`` and ``/incident postmortem``."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext

from bot.incidents import capture, story, timeline
from bot.rendering import Message
from bot.slack.context import SlackContext
from bot.slack.lines import mention
from bot.slack.presenters import facts
from bot.text import decode_slack_text
from handlers.common import (
    Command,
    bot,
    button,
    incident_here,
    incident_in,
    not_an_incident_channel,
    notice,
    trusted_notice,
)

TIMELINE_SHOWN = 45


def note_command(ctx: SlackContext, command: Command, context: BoltContext) -> Message:
    incident = incident_here(ctx, command)
    if incident is None:
        return not_an_incident_channel(ctx, command.name)
    capture.note(
        ctx.sessions,
        incident.id,
        command.user_id,
        decode_slack_text(command.args),
        ctx.clock(),
        source_key=f"command:{command.trigger_id}" if command.trigger_id else None,
    )
    return notice(ctx, f"Noted in the timeline of {incident.ref}.")


def timeline_command(ctx: SlackContext, command: Command, context: BoltContext) -> Message:
    incident = incident_here(ctx, command)
    if incident is None:
        return not_an_incident_channel(ctx, command.name)
    with ctx.sessions() as session:
        entries = story.tell(timeline.events(session, incident.id), ctx.policy, mention)
    return ctx.render.message(
        "timeline",
        i=facts(ctx.policy, incident, ctx.clock()),
        entries=entries[-TIMELINE_SHOWN:],
        total=len(entries),
    )


def postmortem_command(ctx: SlackContext, command: Command, context: BoltContext) -> Message:
    incident = incident_here(ctx, command)
    if incident is None:
        return not_an_incident_channel(ctx, command.name)
    capture.draft_postmortem(ctx.sessions, ctx.policy, incident.id, command.user_id, ctx.clock())
    return notice(ctx, f"The postmortem draft of {incident.ref} is on its way to this channel.")


def _capture(
    ctx: SlackContext, channel: str, ts: str, captured_by: str, message: dict[str, Any] | None
) -> str:
    """Capture a message into its incident's timeline; returns what to tell the person."""
    incident = incident_in(ctx, channel, captured_by)
    if incident is None:
        return "Only messages in an incident's channel can go into its timeline."
    if message is None:
        message = ctx.slack.message(channel, ts)
    if message is None:
        return "I could not read that message; is it still there?"
    added = capture.capture(
        ctx.sessions,
        incident.id,
        channel=channel,
        ts=ts,
        author=message.get("user") or message.get("bot_id"),
        text=decode_slack_text(str(message.get("text") or "")),
        captured_by=captured_by,
    )
    return (
        f"Added to the timeline of {incident.ref}."
        if added
        else f"It is in the timeline of {incident.ref} already."
    )


def _is_timeline_emoji(ctx: SlackContext, event: dict[str, Any]) -> bool:
    return (
        event.get("reaction") == ctx.policy.timeline_emoji
        and (event.get("item") or {}).get("type") == "message"
    )


def reaction_added(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """📌 on a message: read it and add it to the timeline before the ack (if Slack or the
    database fails, no ack: Slack sends the event again)."""
    ctx = bot(context)
    event = body["event"]
    if _is_timeline_emoji(ctx, event):
        _capture(ctx, event["item"]["channel"], event["item"]["ts"], event["user"], None)
    ack()


def reaction_removed(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """The last 📌 taken off a message takes it out of the timeline."""
    ctx = bot(context)
    event = body["event"]
    user = str(event.get("user") or "")
    if _is_timeline_emoji(ctx, event) and incident_in(ctx, event["item"]["channel"], user) is not None:
        channel, ts = event["item"]["channel"], event["item"]["ts"]
        message = ctx.slack.message(channel, ts)
        still = [
            r for r in (message or {}).get("reactions") or [] if r.get("name") == ctx.policy.timeline_emoji
        ]
        if not (still and still[0].get("count", 0) > 0):  # else someone else's 📌 is still on it
            capture.uncapture(ctx.sessions, channel, ts)
    ack()


def shortcut(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """The "Add to incident timeline" message shortcut."""
    ctx = bot(context)
    channel = str((body.get("channel") or {}).get("id") or "")
    message = body.get("message") or {}
    user = str(body["user"]["id"])
    button(
        ctx,
        ack,
        context,
        lambda: trusted_notice(ctx, _capture(ctx, channel, str(message.get("ts")), user, message)),
    )
