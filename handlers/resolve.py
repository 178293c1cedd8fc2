"""``/incident resolve`` (form), ``/incident reopen``, and the "Postmortem done" button."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext

from bot.db.models import ENDED
from bot.errors import Refusal
from bot.incidents import permissions, resolution
from bot.rendering import Message
from bot.slack.context import SlackContext
from handlers import forms
from handlers.common import (
    REFUSED,
    Command,
    allowed_incident,
    bot,
    button,
    incident_here,
    is_admin,
    not_an_incident_channel,
    notice,
    number,
    opened_form,
    refusal_notice,
    save_form,
    then,
)


def resolve_command(ctx: SlackContext, command: Command, context: BoltContext) -> Message | None:
    incident = incident_here(ctx, command)
    if incident is None:
        return not_an_incident_channel(ctx, command.name)
    if incident.status in ENDED:
        when = f" at {incident.resolved_at:%Y-%m-%d %H:%M} UTC" if incident.resolved_at else ""
        return notice(
            ctx, f"{incident.ref} is {incident.status.lower()} already{when}; `/incident reopen` undoes it."
        )
    try:  # said now rather than after the form is filled in (checked again when it is submitted)
        permissions.check(ctx.policy, "resolve", incident, command.user_id, is_admin(ctx, command.user_id))
    except Refusal as refusal:
        return refusal_notice(ctx, refusal)
    then(context, form="resolve", incident_id=incident.id, reply_url=command.response_url)
    return None


def reopen_command(ctx: SlackContext, command: Command, context: BoltContext) -> Message | None:
    incident = incident_here(ctx, command)
    if incident is None:
        return not_an_incident_channel(ctx, command.name)
    try:
        resolution.reopen(
            ctx.sessions,
            ctx.policy,
            incident.id,
            command.user_id,
            ctx.clock(),
            is_admin(ctx, command.user_id),
        )
    except resolution.WrongState as error:
        return notice(ctx, str(error))
    return None


def _fields(body: dict[str, Any]) -> dict[str, str]:
    view = body["view"]
    return {name: forms.text(view, name) for name in ("summary", "root_cause", "fix")}


def submit_resolve(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """Resolve (the form's answers checked, the permission checked again) before the ack."""
    ctx = bot(context)
    user = str(body["user"]["id"])

    def save() -> object:
        incident_id = number(opened_form(ctx, body, "resolve").get("incident_id"))
        allowed_incident(ctx, incident_id, user)
        return resolution.resolve(
            ctx.sessions,
            ctx.policy,
            incident_id,
            user,
            ctx.clock(),
            is_admin=is_admin(ctx, user),
            **_fields(body),
        )

    if save_form(ctx, ack, "summary", save) is not REFUSED:
        ack()


def postmortem_done(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    ctx = bot(context)
    user = str(body["user"]["id"])

    def save() -> Message | None:
        incident_id = allowed_incident(ctx, number(body["actions"][0]["value"]), user).id
        try:
            resolution.close(ctx.sessions, ctx.policy, incident_id, user, ctx.clock(), is_admin(ctx, user))
        except resolution.WrongState as error:
            return notice(ctx, str(error))
        return None

    button(ctx, ack, context, save)
