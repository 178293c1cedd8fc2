"""``/incident resolve`` (modal), ``/incident reopen``, and the "Postmortem done" button."""

from __future__ import annotations

import json
from typing import Any

from slack_bolt import Ack, App

from bot.context import Context
from bot.db.models import ENDED_STATUSES, Incident
from bot.errors import InputError
from bot.incidents import resolution
from bot.slack import resolution_posts
from bot.slack.presenters import facts
from bot.slack.update_posts import publish_change
from handlers import forms
from handlers.common import (
    Command,
    incident_here,
    metadata,
    notice,
    number,
    permitted,
    report_failures,
    reporting,
    tell,
)

LIMITS = {
    "summary": resolution.SUMMARY_MAX,
    "root_cause": resolution.ROOT_CAUSE_MAX,
    "fix": resolution.FIX_MAX,
}


def resolve_command(ctx: Context, command: Command) -> None:
    incident = incident_here(ctx, command)
    if incident is None:
        return
    if incident.status in (s.value for s in ENDED_STATUSES):
        when = f" at {incident.resolved_at:%Y-%m-%d %H:%M} UTC" if incident.resolved_at else ""
        line = f"{incident.ref} is {incident.status.lower()} already{when}; `/incident reopen` undoes it."
        ctx.slack.reply(command.response_url, notice(ctx, line))
        return
    if not permitted(ctx, "resolve", incident, command.user_id, command.response_url):
        return
    view = ctx.render.view(
        "resolve",
        i=facts(ctx.policy, incident, ctx.clock()),
        limits=LIMITS,
        metadata=json.dumps({"incident_id": incident.id, "reply_url": command.response_url}),
    )
    ctx.slack.client.views_open(trigger_id=command.trigger_id, view=view)


def reopen_command(ctx: Context, command: Command) -> None:
    incident = incident_here(ctx, command)
    if incident is None:
        return
    try:
        reopened = resolution.reopen(ctx.sessions, ctx.policy, incident.id, command.user_id, ctx.clock())
    except resolution.WrongState as error:
        ctx.slack.reply(command.response_url, notice(ctx, str(error)))
        return
    report_failures(
        ctx,
        resolution_posts.publish_reopen(ctx, reopened, command.user_id),
        command.response_url,
        command.user_id,
    )


def _fields(body: dict[str, Any]) -> dict[str, str]:
    view = body["view"]
    return {name: forms.text(view, name) for name in ("summary", "root_cause", "fix")}


def register(app: App, ctx: Context) -> None:
    def ack_now(ack: Ack) -> None:
        ack()

    def ack_resolve(ack: Ack, body: dict[str, Any]) -> None:
        try:
            resolution.validate(**_fields(body))
        except InputError as error:
            ack(response_action="errors", errors=error.fields)
            return
        ack()

    @reporting(ctx, "resolving the incident")
    def submit_resolve(body: dict[str, Any]) -> None:
        try:
            fields = _fields(body)
            resolution.validate(**fields)
        except InputError:
            return  # answered in the ack
        info = metadata(body["view"])
        user = body["user"]["id"]
        with ctx.sessions() as session:
            current = session.get_one(Incident, number(info.get("incident_id")))
        if not permitted(ctx, "resolve", current, user, info.get("reply_url")):
            return  # the commander changed while the form was open
        resolved = resolution.resolve(
            ctx.sessions, ctx.policy, number(info.get("incident_id")), user, ctx.clock(), **fields
        )
        if resolved is None:
            return  # a double submit, or someone resolved it first
        report_failures(ctx, resolution_posts.publish_resolution(ctx, resolved), info.get("reply_url"), user)

    @reporting(ctx, "closing the incident")
    def postmortem_done(body: dict[str, Any]) -> None:
        user = body["user"]["id"]
        with ctx.sessions() as session:
            current = session.get(Incident, number(body["actions"][0]["value"]))
        if current is None or not permitted(ctx, "close", current, user, body.get("response_url")):
            return
        try:
            closed = resolution.close(ctx.sessions, number(body["actions"][0]["value"]), user, ctx.clock())
        except resolution.WrongState as error:
            tell(ctx, body.get("response_url"), user, notice(ctx, str(error)))
            return
        if closed is not None:
            line = f"<@{user}> marked the postmortem done: {closed.ref} is closed."
            report_failures(ctx, publish_change(ctx, closed, line), body.get("response_url"), user)

    app.view("resolve")(ack=ack_resolve, lazy=[submit_resolve])
    app.action("postmortem_done")(ack=ack_now, lazy=[postmortem_done])
