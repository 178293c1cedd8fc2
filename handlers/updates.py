"""``/incident update``, ``/incident status``, ``/incident severity``, their forms, and the
reminder's buttons."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from slack_bolt import Ack, BoltContext

from bot.db.models import OPEN_STATUSES
from bot.durations import humanize_duration, parse_duration
from bot.errors import InputError
from bot.incidents import updates
from bot.incidents.updates import Closed
from bot.rendering import Message
from bot.slack.context import SlackContext
from bot.slack.presenters import facts
from bot.text import decode_slack_text
from handlers import forms
from handlers.common import (
    REFUSED,
    Command,
    allowed_incident,
    bot,
    button,
    closed_notice,
    incident_here,
    is_admin,
    not_an_incident_channel,
    notice,
    number,
    opened_form,
    save_form,
    then,
    trusted_notice,
    user_of,
)

SNOOZES = {"reminder_snooze_5m": timedelta(minutes=5), "reminder_snooze_15m": timedelta(minutes=15)}


def update_command(ctx: SlackContext, command: Command, context: BoltContext) -> Message | None:
    """``update`` opens the form; ``update <text>`` posts at once with the status unchanged."""
    incident = incident_here(ctx, command)
    if incident is None:
        return not_an_incident_channel(ctx, command.name)
    if not command.args:
        then(context, form="update", incident_id=incident.id, reply_url=command.response_url)
        return None
    return post(
        ctx,
        incident.id,
        command.user_id,
        text=decode_slack_text(command.args),
        source_key=f"command:{command.trigger_id}",
    )


def post(ctx: SlackContext, incident_id: int, user: str, **fields: Any) -> Message | None:
    try:
        updates.post_update(ctx.sessions, ctx.policy, incident_id, author=user, now=ctx.clock(), **fields)
    except Closed as closed:
        return closed_notice(ctx, closed)
    return None


def status_command(ctx: SlackContext, command: Command, context: BoltContext) -> Message | None:
    """``status`` shows the card (with a status picker); ``status <status>`` changes it."""
    incident = incident_here(ctx, command)
    if incident is None:
        return not_an_incident_channel(ctx, command.name)
    if not command.args:
        statuses = [s.value for s in OPEN_STATUSES]
        return ctx.render.message(
            "status_card", i=facts(ctx.policy, incident, ctx.clock()), statuses=statuses
        )
    wanted = decode_slack_text(command.args)
    if wanted.strip().lower() == "resolved":
        return notice(ctx, "To resolve the incident, use `/incident resolve`: it asks for what happened.")
    return change_status(ctx, incident.id, wanted, command.user_id, say_unchanged=True)


def change_status(
    ctx: SlackContext, incident_id: int, text: str, user: str, say_unchanged: bool = False
) -> Message | None:
    try:
        status = updates.parse_status(text)
        changed, previous = updates.set_status(
            ctx.sessions, ctx.policy, incident_id, status, user, ctx.clock()
        )
    except Closed as closed:
        return closed_notice(ctx, closed)
    if previous is None and say_unchanged:
        return notice(ctx, f"{changed.ref} is already {status.value}.")
    return None  # the line in the channel says it


def severity_command(ctx: SlackContext, command: Command, context: BoltContext) -> Message | None:
    """``severity`` opens the form; ``severity <P1..P4> [reason]`` changes it at once."""
    incident = incident_here(ctx, command)
    if incident is None:
        return not_an_incident_channel(ctx, command.name)
    if not command.args:
        then(context, form="severity", incident_id=incident.id, reply_url=command.response_url)
        return None
    key, _, reason = decode_slack_text(command.args).partition(" ")
    return change_severity(ctx, incident.id, key, reason, command.user_id)


def change_severity(ctx: SlackContext, incident_id: int, key: str, reason: str, user: str) -> Message | None:
    try:
        change = updates.change_severity(
            ctx.sessions,
            ctx.policy,
            incident_id,
            key,
            user,
            ctx.clock(),
            reason,
            is_admin=is_admin(ctx, user),
        )
    except InputError as error:
        hint = " Write `/incident severity <level> <reason>`." if "reason" in error.fields else ""
        return notice(ctx, str(error) + hint)
    except Closed as closed:
        return closed_notice(ctx, closed)
    if change is None:
        return notice(ctx, f"The severity is already {key.upper()}.")
    return None


def _update_fields(body: dict[str, Any]) -> dict[str, Any]:
    view = body["view"]
    next_text = forms.selected(view, "next")
    status = forms.selected(view, "status")
    return {
        "text": forms.text(view, "text"),
        "status": updates.parse_status(status) if status else None,
        "impact": forms.text(view, "impact"),
        "expected": forms.text(view, "expected"),
        "next_in": parse_duration(next_text) if next_text else None,
        "source_key": f"view:{view['id']}",
    }


def _form_incident(ctx: SlackContext, body: dict[str, Any], name: str) -> int:
    """The incident the form was opened about, if the person submitting may still act on it."""
    incident_id = number(opened_form(ctx, body, name).get("incident_id"))
    return allowed_incident(ctx, incident_id, user_of(body)).id


def _closed_is_a_field_error(save: Any) -> Any:
    try:
        return save()
    except Closed as closed:
        raise InputError({"text": f"{closed} Use /incident reopen."}) from None


def submit_update(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    ctx = bot(context)
    user = str(body["user"]["id"])

    def save() -> object:
        incident_id = _form_incident(ctx, body, "update")
        fields = _update_fields(body)
        return _closed_is_a_field_error(
            lambda: updates.post_update(
                ctx.sessions, ctx.policy, incident_id, author=user, now=ctx.clock(), **fields
            )
        )

    if save_form(ctx, ack, "text", save) is not REFUSED:
        ack()


def submit_severity(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    ctx = bot(context)
    view, user = body["view"], str(body["user"]["id"])

    def save() -> object:
        incident_id = _form_incident(ctx, body, "severity")

        def change() -> object:
            return updates.change_severity(
                ctx.sessions,
                ctx.policy,
                incident_id,
                forms.selected(view, "severity"),
                user,
                ctx.clock(),
                forms.text(view, "reason"),
                is_admin=is_admin(ctx, user),
            )

        return _closed_is_a_field_error(change)

    if save_form(ctx, ack, "severity", save) is not REFUSED:
        ack()


def open_from_reminder(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """The reminder's "Post update" button: the update form (for someone who may update it)."""
    ctx = bot(context)

    def save() -> Message | None:
        incident_id = allowed_incident(ctx, number(body["actions"][0]["value"]), user_of(body)).id
        then(context, form="update", incident_id=incident_id, reply_url=body.get("response_url"))
        return None

    button(ctx, ack, context, save)


def snooze(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    ctx = bot(context)
    action = body["actions"][0]
    delay = SNOOZES[action["action_id"]]
    user = str(body["user"]["id"])

    def save() -> Message | None:
        incident_id = allowed_incident(ctx, number(action["value"]), user).id
        try:
            snoozed = updates.snooze(ctx.sessions, incident_id, user, delay, ctx.clock())
        except Closed as closed:
            return closed_notice(ctx, closed)
        if snoozed.snoozed:
            line = (
                f"Snoozed: the next reminder comes in {humanize_duration(delay)}; the cadence is unchanged."
            )
        elif snoozed.due is not None:
            wait = humanize_duration(snoozed.due - ctx.clock())
            line = f"The next reminder is already later than that (due in {wait}); nothing changed."
        else:
            line = "There is no reminder pending for this incident; nothing to snooze."
        return trusted_notice(ctx, line)

    button(ctx, ack, context, save)


def status_selected(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    ctx = bot(context)
    action = body["actions"][0]
    value, user = str((action.get("selected_option") or {}).get("value") or ""), str(body["user"]["id"])

    def save() -> Message | None:
        incident_id = allowed_incident(
            ctx, number(str(action.get("block_id", "")).removeprefix("status:")), user
        )
        return change_status(ctx, incident_id.id, value, user)

    button(ctx, ack, context, save)
