"""The timeline: 📌 reactions and the "Add to incident timeline" shortcut capture messages;
``/incident note``, ``/incident timeline`` and ``/incident postmortem``."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot.context import Context
from bot.errors import InputError
from bot.incidents import capture, queries, story, timeline
from bot.slack import postmortem_posts
from bot.slack.presenters import facts
from bot.text import decode_slack_text
from handlers.common import Command, incident_here, notice, report_failures, reporting, tell, trusted_notice

TIMELINE_SHOWN = 45


def note_command(ctx: Context, command: Command) -> None:
    incident = incident_here(ctx, command)
    if incident is None:
        return
    try:
        capture.note(ctx.sessions, incident.id, command.user_id, decode_slack_text(command.args), ctx.clock())
    except InputError as error:
        ctx.slack.reply(command.response_url, notice(ctx, str(error)))
        return
    ctx.slack.reply(command.response_url, notice(ctx, f"Noted in the timeline of {incident.ref}."))


def timeline_command(ctx: Context, command: Command) -> None:
    incident = incident_here(ctx, command)
    if incident is None:
        return
    with ctx.sessions() as session:
        entries = story.tell(
            timeline.events(session, incident.id), ctx.policy, lambda u: f"<@{u}>" if u else "the bot"
        )
    message = ctx.render.message(
        "timeline",
        i=facts(ctx.policy, incident, ctx.clock()),
        entries=entries[-TIMELINE_SHOWN:],
        total=len(entries),
    )
    ctx.slack.reply(command.response_url, message)


def postmortem_command(ctx: Context, command: Command) -> None:
    incident = incident_here(ctx, command)
    if incident is None:
        return
    steps = postmortem_posts.publish(ctx, incident)
    report_failures(ctx, steps, command.response_url, command.user_id)
    if not steps.failures:
        ctx.slack.reply(
            command.response_url, notice(ctx, f"The postmortem draft of {incident.ref} is in the channel.")
        )


def _capture(ctx: Context, channel: str, ts: str, captured_by: str, message: dict[str, Any] | None) -> str:
    """Capture a message into its incident's timeline; returns what to tell the person."""
    with ctx.sessions() as session:
        incident = queries.by_channel(session, channel)
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


def register(app: App, ctx: Context) -> None:
    def ack_now(ack: Ack) -> None:
        ack()

    def is_timeline_emoji(event: dict[str, Any]) -> bool:
        return (
            event.get("reaction") == ctx.policy.timeline_emoji
            and (event.get("item") or {}).get("type") == "message"
        )

    @reporting(ctx, "adding the message to the timeline")
    def reaction_added(body: dict[str, Any]) -> None:
        event = body["event"]
        if is_timeline_emoji(event):
            _capture(ctx, event["item"]["channel"], event["item"]["ts"], event["user"], None)

    @reporting(ctx, "removing the message from the timeline")
    def reaction_removed(body: dict[str, Any]) -> None:
        event = body["event"]
        if not is_timeline_emoji(event):
            return
        channel, ts = event["item"]["channel"], event["item"]["ts"]
        message = ctx.slack.message(channel, ts)
        still = [
            r for r in (message or {}).get("reactions") or [] if r.get("name") == ctx.policy.timeline_emoji
        ]
        if still and still[0].get("count", 0) > 0:
            return  # someone else's 📌 is still on it
        capture.uncapture(ctx.sessions, channel, ts)

    @reporting(ctx, "adding the message to the timeline")
    def shortcut(body: dict[str, Any]) -> None:
        channel = str((body.get("channel") or {}).get("id") or "")
        message = body.get("message") or {}
        said = _capture(ctx, channel, str(message.get("ts")), body["user"]["id"], message)
        tell(ctx, body.get("response_url"), body["user"]["id"], trusted_notice(ctx, said))

    app.event("reaction_added")(ack=ack_now, lazy=[reaction_added])
    app.event("reaction_removed")(ack=ack_now, lazy=[reaction_removed])
    app.shortcut("add_to_timeline")(ack=ack_now, lazy=[shortcut])
