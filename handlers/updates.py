"""``/incident update``, ``/incident status <status>``, ``/incident severity``, the update and
severity modals, and the reminder's buttons."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from slack_bolt import Ack, App

from bot.context import Context
from bot.db.models import OPEN_STATUSES, Incident
from bot.durations import format_duration, humanize_duration, parse_duration
from bot.errors import InputError
from bot.incidents import updates
from bot.incidents.updates import Closed
from bot.slack import update_posts
from bot.slack.presenters import facts
from bot.text import decode_slack_text
from handlers import forms
from handlers.common import (
    BadPayload,
    Command,
    incident_here,
    metadata,
    notice,
    number,
    permitted,
    report_failures,
    reporting,
    tell,
    trusted_notice,
)
from handlers.listing import status_card

SNOOZES = {"reminder_snooze_5m": timedelta(minutes=5), "reminder_snooze_15m": timedelta(minutes=15)}


def update_command(ctx: Context, command: Command) -> None:
    """``update`` opens the modal; ``update <text>`` posts at once with the status unchanged."""
    incident = incident_here(ctx, command)
    if incident is None:
        return
    if not command.args:
        open_update_modal(ctx, incident, command.trigger_id, command.response_url)
        return
    post(
        ctx,
        incident.id,
        command.user_id,
        command.response_url,
        text=decode_slack_text(command.args),
        source_key=f"command:{command.trigger_id}",
    )


def post(ctx: Context, incident_id: int, user: str, reply_url: str | None, **fields: Any) -> None:
    try:
        posted = updates.post_update(
            ctx.sessions, ctx.policy, incident_id, author=user, now=ctx.clock(), **fields
        )
    except InputError as error:
        tell(ctx, reply_url, user, notice(ctx, *error.fields.values()))
        return
    except Closed as closed:
        tell(ctx, reply_url, user, notice(ctx, str(closed)))
        return
    if posted is not None:
        report_failures(ctx, update_posts.publish_update(ctx, posted), reply_url, user)


def _next_choices(ctx: Context, incident: Incident) -> tuple[list[tuple[str, str]], tuple[str, str] | None]:
    choices = [(c, humanize_duration(parse_duration(c))) for c in updates.NEXT_UPDATE_CHOICES]
    every = updates.cadence(ctx.policy, incident)
    if every is None:
        return choices, None
    default = (format_duration(every), humanize_duration(every))
    if default[0] not in updates.NEXT_UPDATE_CHOICES:
        choices.insert(0, default)
    return choices, default


def open_update_modal(ctx: Context, incident: Incident, trigger_id: str, reply_url: str | None) -> None:
    choices, default = _next_choices(ctx, incident)
    view = ctx.render.view(
        "update",
        i=facts(ctx.policy, incident, ctx.clock()),
        statuses=[s.value for s in OPEN_STATUSES],
        choices=choices,
        default_next=default,
        text_max=updates.UPDATE_MAX,
        expected_max=updates.EXPECTED_MAX,
        metadata=json.dumps({"incident_id": incident.id, "reply_url": reply_url}),
    )
    ctx.slack.client.views_open(trigger_id=trigger_id, view=view)


def status_command(ctx: Context, command: Command) -> None:
    """``status`` shows the card (with a status picker); ``status <status>`` changes it."""
    if not command.args:
        status_card(ctx, command)
        return
    incident = incident_here(ctx, command)
    if incident is None:
        return
    change_status(ctx, incident.id, command.args, command.user_id, command.response_url, say_unchanged=True)


def change_status(
    ctx: Context, incident_id: int, text: str, user: str, reply_url: str | None, say_unchanged: bool = False
) -> None:
    try:
        status = updates.parse_status(text)
        changed, previous = updates.set_status(ctx.sessions, incident_id, status, user, ctx.clock())
    except (InputError, Closed) as error:
        tell(ctx, reply_url, user, notice(ctx, str(error)))
        return
    if previous is None:
        if say_unchanged:
            tell(ctx, reply_url, user, notice(ctx, f"{changed.ref} is already {status.value}."))
        return  # a repeat of the same choice changes and says nothing
    line = f"<@{user}> changed the status from {previous} to {status.value}."
    report_failures(ctx, update_posts.publish_change(ctx, changed, line), reply_url, user)


def severity_command(ctx: Context, command: Command) -> None:
    """``severity`` opens the modal; ``severity <P1..P4> [reason]`` changes it at once."""
    incident = incident_here(ctx, command)
    if incident is None or not permitted(ctx, "severity", incident, command.user_id, command.response_url):
        return
    if not command.args:
        view = ctx.render.view(
            "severity",
            i=facts(ctx.policy, incident, ctx.clock()),
            severities=ctx.policy.severities,
            metadata=json.dumps({"incident_id": incident.id, "reply_url": command.response_url}),
        )
        ctx.slack.client.views_open(trigger_id=command.trigger_id, view=view)
        return
    key, _, reason = decode_slack_text(command.args).partition(" ")
    change_severity(ctx, incident.id, key, reason, command.user_id, command.response_url)


def change_severity(
    ctx: Context, incident_id: int, key: str, reason: str, user: str, reply_url: str | None
) -> None:
    with ctx.sessions() as session:
        current = session.get_one(Incident, incident_id)
    if not permitted(ctx, "severity", current, user, reply_url):
        return  # (checked again: the commander may have changed while the form was open)
    try:
        change = updates.change_severity(
            ctx.sessions, ctx.policy, incident_id, key, user, ctx.clock(), reason
        )
    except InputError as error:
        hint = " Write `/incident severity <level> <reason>`." if "reason" in error.fields else ""
        tell(ctx, reply_url, user, notice(ctx, str(error) + hint))
        return
    except Closed as closed:
        tell(ctx, reply_url, user, notice(ctx, str(closed)))
        return
    if change is None:
        tell(ctx, reply_url, user, notice(ctx, f"The severity is already {key.upper()}."))
        return
    report_failures(ctx, update_posts.publish_severity(ctx, change, user, reason.strip()), reply_url, user)


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


def _severity_form_error(ctx: Context, view: dict[str, Any]) -> dict[str, str] | None:
    """A downgrade without a reason is a field error in the form itself."""
    wanted = ctx.policy.find_severity(forms.selected(view, "severity"))
    try:
        incident_id = number(metadata(view).get("incident_id"))
    except BadPayload:
        return None  # the submission handler reports it
    with ctx.sessions() as session:
        incident = session.get(Incident, incident_id)
    keys = ctx.policy.severity_keys
    if wanted is None or incident is None or incident.severity not in keys:
        return None
    if keys.index(wanted.key) > keys.index(incident.severity) and not forms.text(view, "reason").strip():
        return {"reason": f"Lowering the severity from {incident.severity} to {wanted.key} needs a reason."}
    return None


def register(app: App, ctx: Context) -> None:
    def ack_now(ack: Ack) -> None:
        ack()

    def ack_update(ack: Ack, body: dict[str, Any]) -> None:
        try:
            fields = _update_fields(body)
            if not fields["text"].strip():
                raise InputError({"text": "Say what changed: the update text is required."})
        except InputError as error:
            ack(response_action="errors", errors=error.fields)
            return
        ack()

    @reporting(ctx, "posting the update")
    def submit_update(body: dict[str, Any]) -> None:
        try:
            fields = _update_fields(body)
        except InputError:
            return
        info = metadata(body["view"])
        post(ctx, number(info.get("incident_id")), body["user"]["id"], info.get("reply_url"), **fields)

    @reporting(ctx, "changing the severity")
    def submit_severity(body: dict[str, Any]) -> None:
        view = body["view"]
        if _severity_form_error(ctx, view):
            return  # answered in the ack
        info = metadata(view)
        change_severity(
            ctx,
            number(info.get("incident_id")),
            forms.selected(view, "severity"),
            forms.text(view, "reason"),
            body["user"]["id"],
            info.get("reply_url"),
        )

    def ack_severity(ack: Ack, body: dict[str, Any]) -> None:
        problem = _severity_form_error(ctx, body["view"])
        if problem:
            ack(response_action="errors", errors=problem)
            return
        ack()

    @reporting(ctx, "opening the update form")
    def open_from_reminder(body: dict[str, Any]) -> None:
        with ctx.sessions() as session:
            incident = session.get(Incident, number(body["actions"][0]["value"]))
        if incident is not None:
            open_update_modal(ctx, incident, body["trigger_id"], body.get("response_url"))

    @reporting(ctx, "snoozing the reminder")
    def snooze(body: dict[str, Any]) -> None:
        action = body["actions"][0]
        delay = SNOOZES[action["action_id"]]
        user = body["user"]["id"]
        try:
            snoozed = updates.snooze(ctx.sessions, number(action["value"]), user, delay, ctx.clock())
        except Closed as closed:
            tell(ctx, body.get("response_url"), user, notice(ctx, str(closed)))
            return
        if snoozed:
            line = (
                f"Snoozed: the next reminder comes in {humanize_duration(delay)}; the cadence is unchanged."
            )
            tell(ctx, body.get("response_url"), user, trusted_notice(ctx, line))

    @reporting(ctx, "changing the status")
    def status_selected(body: dict[str, Any]) -> None:
        action = body["actions"][0]
        incident_id = number(str(action.get("block_id", "")).removeprefix("status:"))
        value = str((action.get("selected_option") or {}).get("value") or "")
        change_status(ctx, incident_id, value, body["user"]["id"], body.get("response_url"))

    app.view("update")(ack=ack_update, lazy=[submit_update])
    app.action("status_select")(ack=ack_now, lazy=[status_selected])
    app.view("severity")(ack=ack_severity, lazy=[submit_severity])
    app.action("update_open")(ack=ack_now, lazy=[open_from_reminder])
    for action_id in SNOOZES:
        app.action(action_id)(ack=ack_now, lazy=[snooze])
