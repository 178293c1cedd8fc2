"""The buttons of an alert in the alerts channel (Declare incident, Link, Dismiss) and the Resolve
button the incident channel gets when every linked alert has resolved."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext

from bot.errors import Refusal
from bot.incidents import alerts, permissions
from bot.rendering import Message
from handlers.common import (
    allowed_incident,
    bot,
    button,
    is_admin,
    notice,
    number,
    refusal_notice,
    then,
    user_of,
)


def declare_from_alert(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """The declare form, prefilled from the alert (it is linked when the form is submitted)."""
    ctx = bot(context)

    def save() -> Message | None:
        with ctx.sessions() as session:
            alert = alerts.find(session, number(body["actions"][0]["value"]))
            if alert.incident_id is not None:
                return notice(ctx, "That alert is linked to an incident already.")
            severity, impact = alerts.mapped_severity(ctx.policy, alert), alerts.impact(alert)
            then(
                context, form="declare", title=alert.title, severity=severity.key, impact=impact,
                alert_id=alert.id, reply_url=body.get("response_url"),
            )  # fmt: skip
        return None

    button(ctx, ack, context, save)


def link(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    ctx = bot(context)
    action, user = body["actions"][0], user_of(body)

    def save() -> Message | None:
        alert_id = number(str(action.get("block_id", "")).removeprefix("alert:"))
        chosen = number((action.get("selected_option") or {}).get("value"))
        incident = allowed_incident(ctx, chosen, user)
        alerts.link(ctx.sessions, ctx.policy, alert_id, incident.id, user, ctx.clock())
        return notice(ctx, f"The alert is linked to {incident.ref}.")

    button(ctx, ack, context, save)


def dismiss(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    ctx = bot(context)

    def save() -> Message | None:
        dismissed = alerts.dismiss(
            ctx.sessions, ctx.policy, number(body["actions"][0]["value"]), user_of(body), ctx.clock()
        )
        return None if dismissed else notice(ctx, "That alert was dismissed or linked already.")

    button(ctx, ack, context, save)


def resolve_open(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """The Resolve button: the resolve form, for whoever may resolve."""
    ctx = bot(context)
    user = user_of(body)

    def save() -> Message | None:
        incident = allowed_incident(ctx, number(body["actions"][0]["value"]), user)
        try:
            permissions.check(ctx.policy, "resolve", incident, user, is_admin(ctx, user))
        except Refusal as refusal:
            return refusal_notice(ctx, refusal)
        then(context, form="resolve", incident_id=incident.id, reply_url=body.get("response_url"))
        return None

    button(ctx, ack, context, save)
