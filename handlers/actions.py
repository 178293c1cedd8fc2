"""Follow-ups: ``/incident action`` (fast path or form), ``/incident actions``, Done and Reassign."""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import Any

from slack_bolt import Ack, BoltContext

from bot.errors import InputError
from bot.incidents import followups
from bot.rendering import Message
from bot.slack.context import SlackContext
from bot.slack.presenters import facts, ticket_links
from bot.text import decode_slack_text
from handlers import forms
from handlers.command_text import parse_action
from handlers.common import (
    REFUSED,
    Command,
    allowed_incident,
    allowed_item,
    bot,
    button,
    incident_here,
    not_an_incident_channel,
    number,
    opened_form,
    save_form,
    tell_after,
    then,
    trusted_notice,
    user_of,
)

log = logging.getLogger(__name__)


def _today(ctx: SlackContext, user: str) -> date:
    return ctx.people.today(user, ctx.clock(), ctx.policy.tz)


def _remind_at(ctx: SlackContext, due: date | None) -> datetime | None:
    if due is None:
        return None
    hours = ctx.policy.escalation.working_hours
    return followups.reminder_time(due, hours.timezone, hours.start)


def _added(ctx: SlackContext, item: Any) -> Message | None:
    if item is None:
        return None  # the same submission again
    owner = f" for <@{item.owner}>" if item.owner else ""
    due = f", due {item.due.isoformat()}" if item.due else ""
    return trusted_notice(ctx, f"Action item #{item.id} added{owner}{due}.")


def add(ctx: SlackContext, incident_id: int, actor: str, parsed: followups.Parsed, key: str) -> Any:
    return followups.add(
        ctx.sessions,
        incident_id,
        text=parsed.text,
        owner=parsed.owner,
        due=parsed.due,
        actor=actor,
        now=ctx.clock(),
        remind_at=_remind_at(ctx, parsed.due),
        source_key=key,
        policy=ctx.policy,
    )


def action_command(ctx: SlackContext, command: Command, context: BoltContext) -> Message | None:
    """``action <text> [@owner] [due <when>]``; with no text, the form."""
    incident = incident_here(ctx, command)
    if incident is None:
        return not_an_incident_channel(ctx, command.name)
    if not command.args:
        then(
            context,
            form="action",
            incident_id=incident.id,
            reply_url=command.response_url,
            user=command.user_id,
        )
        return None
    parsed = parse_action(command.args, _today(ctx, command.user_id))
    parsed = followups.Parsed(decode_slack_text(parsed.text), parsed.owner, parsed.due)
    return _added(ctx, add(ctx, incident.id, command.user_id, parsed, f"command:{command.trigger_id}"))


def actions_command(ctx: SlackContext, command: Command, context: BoltContext) -> Message:
    incident = incident_here(ctx, command)
    if incident is None:
        return not_an_incident_channel(ctx, command.name)
    with ctx.sessions() as session:
        items = followups.items(session, incident.id)
        links = ticket_links(session, incident.id)
    i = facts(ctx.policy, incident, ctx.clock())
    return ctx.render.message("action_items", i=i, items=items, tickets=links)


def _parse_view(ctx: SlackContext, body: dict[str, Any]) -> followups.Parsed:
    view = body["view"]
    due_text = forms.day(view, "due")
    due = followups.parse_due(due_text, _today(ctx, user_of(body))) if due_text else None
    parsed = followups.Parsed(forms.text(view, "text"), forms.user(view, "owner") or None, due)
    if not parsed.text.strip():
        raise InputError({"text": "Say what must be done."})
    return parsed


def submit_item(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    ctx = bot(context)
    user, view = str(body["user"]["id"]), body["view"]

    def save() -> Any:
        incident_id = number(opened_form(ctx, body, "action").get("incident_id"))
        allowed_incident(ctx, incident_id, user)
        return add(ctx, incident_id, user, _parse_view(ctx, body), f"view:{view['id']}")

    saved = save_form(ctx, ack, "text", save)
    if saved is REFUSED:
        return
    ack()
    said = _added(ctx, saved)
    if said is not None:
        tell_after(context, said)


def done(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    ctx = bot(context)
    user = str(body["user"]["id"])

    def save() -> Message | None:
        item_id = allowed_item(ctx, number(body["actions"][0]["value"]), user)
        item = followups.mark_done(ctx.sessions, item_id, user, ctx.clock(), ctx.policy)
        return trusted_notice(ctx, f"Action item #{item.id} is done. Thank you!") if item else None

    button(ctx, ack, context, save)


def reassign(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    ctx = bot(context)
    action, user = body["actions"][0], str(body["user"]["id"])
    owner = action.get("selected_user")

    def save() -> Message | None:
        item_id = allowed_item(ctx, number(str(action["block_id"]).removeprefix("action_item:")), user)
        if not owner:
            return None
        problem = ctx.people.why_not_assignable(owner)
        if problem:
            return trusted_notice(ctx, problem)
        current = followups.load(ctx.sessions, item_id)
        remind_at = _remind_at(ctx, current.due if current else None)
        item = followups.reassign(ctx.sessions, item_id, owner, user, ctx.clock(), remind_at)
        return trusted_notice(ctx, f"Action item #{item.id} is now <@{owner}>'s.") if item else None

    button(ctx, ack, context, save)
