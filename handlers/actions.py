"""Follow-ups: ``/incident action`` (fast path or modal), ``/incident actions``, Done and Reassign."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from slack_bolt import Ack, App

from bot.context import Context
from bot.errors import InputError
from bot.incidents import followups
from bot.slack.presenters import facts
from bot.text import decode_slack_text
from handlers import forms
from handlers.common import Command, incident_here, metadata, notice, number, reporting, tell, trusted_notice


def _today(ctx: Context) -> date:
    return ctx.clock().astimezone(ctx.policy.tz).date()


def _remind_at(ctx: Context, due: date | None) -> datetime | None:
    if due is None:
        return None
    hours = ctx.policy.escalation.working_hours
    return followups.reminder_time(due, hours.timezone, hours.start)


def add(
    ctx: Context, incident_id: int, actor: str, reply_url: str | None, parsed: followups.Parsed, key: str
) -> None:
    try:
        item = followups.add(
            ctx.sessions,
            incident_id,
            text=parsed.text,
            owner=parsed.owner,
            due=parsed.due,
            actor=actor,
            now=ctx.clock(),
            remind_at=_remind_at(ctx, parsed.due),
            source_key=key,
        )
    except InputError as error:
        tell(ctx, reply_url, actor, notice(ctx, str(error)))
        return
    if item is None:
        return  # the same submission again
    owner = f" for <@{item.owner}>" if item.owner else ""
    due = f", due {item.due.isoformat()}" if item.due else ""
    tell(ctx, reply_url, actor, trusted_notice(ctx, f"Action item #{item.id} added{owner}{due}."))


def action_command(ctx: Context, command: Command) -> None:
    """``action <text> [@owner] [due YYYY-MM-DD]``; with no text, the modal."""
    incident = incident_here(ctx, command)
    if incident is None:
        return
    if not command.args:
        view = ctx.render.view(
            "action",
            i=facts(ctx.policy, incident, ctx.clock()),
            text_max=followups.TEXT_MAX,
            today=_today(ctx).isoformat(),
            metadata=json.dumps({"incident_id": incident.id, "reply_url": command.response_url}),
        )
        ctx.slack.client.views_open(trigger_id=command.trigger_id, view=view)
        return
    try:
        parsed = followups.parse_command(command.args, _today(ctx))
    except InputError as error:
        ctx.slack.reply(command.response_url, notice(ctx, str(error)))
        return
    parsed = followups.Parsed(decode_slack_text(parsed.text), parsed.owner, parsed.due)
    add(ctx, incident.id, command.user_id, command.response_url, parsed, f"command:{command.trigger_id}")


def actions_command(ctx: Context, command: Command) -> None:
    incident = incident_here(ctx, command)
    if incident is None:
        return
    with ctx.sessions() as session:
        items = followups.items(session, incident.id)
    message = ctx.render.message("action_items", i=facts(ctx.policy, incident, ctx.clock()), items=items)
    ctx.slack.reply(command.response_url, message)


def _parse_view(ctx: Context, body: dict[str, Any]) -> followups.Parsed:
    view = body["view"]
    due_text = forms.day(view, "due")
    due = followups.parse_due(due_text, _today(ctx)) if due_text else None
    return followups.Parsed(forms.text(view, "text"), forms.user(view, "owner") or None, due)


def register(app: App, ctx: Context) -> None:
    def ack_now(ack: Ack) -> None:
        ack()

    def ack_item(ack: Ack, body: dict[str, Any]) -> None:
        try:
            parsed = _parse_view(ctx, body)
            if not parsed.text.strip():
                raise InputError({"text": "Say what must be done."})
        except InputError as error:
            ack(response_action="errors", errors=error.fields)
            return
        ack()

    @reporting(ctx, "adding the action item")
    def submit_item(body: dict[str, Any]) -> None:
        try:
            parsed = _parse_view(ctx, body)
        except InputError:
            return
        info = metadata(body["view"])
        add(
            ctx,
            number(info.get("incident_id")),
            body["user"]["id"],
            info.get("reply_url"),
            parsed,
            f"view:{body['view']['id']}",
        )

    @reporting(ctx, "marking the action item done")
    def done(body: dict[str, Any]) -> None:
        user = body["user"]["id"]
        item = followups.mark_done(ctx.sessions, number(body["actions"][0]["value"]), user, ctx.clock())
        if item is not None:
            tell(
                ctx,
                body.get("response_url"),
                user,
                trusted_notice(ctx, f"Action item #{item.id} is done. Thank you!"),
            )

    @reporting(ctx, "reassigning the action item")
    def reassign(body: dict[str, Any]) -> None:
        action = body["actions"][0]
        item_id = number(str(action["block_id"]).removeprefix("action_item:"))
        owner, user = action.get("selected_user"), body["user"]["id"]
        if not owner:
            return
        problem = ctx.people.why_not_assignable(owner)
        if problem:
            tell(ctx, body.get("response_url"), user, trusted_notice(ctx, problem))
            return
        current = followups.load(ctx.sessions, item_id)
        remind_at = _remind_at(ctx, current.due if current else None)
        item = followups.reassign(ctx.sessions, item_id, owner, user, ctx.clock(), remind_at)
        if item is not None:
            tell(
                ctx,
                body.get("response_url"),
                user,
                trusted_notice(ctx, f"Action item #{item.id} is now <@{owner}>'s."),
            )

    app.view("action_item")(ack=ack_item, lazy=[submit_item])
    app.action("action_item_done")(ack=ack_now, lazy=[done])
    app.action("action_item_reassign")(ack=ack_now, lazy=[reassign])
