"""``/incident declare`` (form or fast path) and the declare form's submission."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from slack_bolt import Ack, BoltContext

from bot.incidents import declare as declaring
from bot.rendering import Message
from bot.slack.context import SlackContext
from bot.text import decode_slack_text
from handlers import forms
from handlers.command_text import parse_fast_path
from handlers.common import REFUSED, Command, bot, notice, opened_form, save_form, then


def declare_command(ctx: SlackContext, command: Command, context: BoltContext) -> Message | None:
    """No text opens the form; ``P1 <title>`` declares at once; a title alone fills in the form."""
    fast = parse_fast_path(ctx.policy, decode_slack_text(command.args))
    if fast.severity is None:
        then(
            context,
            form="declare",
            title=fast.title,
            reply_url=command.response_url,
            channel=command.channel_id,
        )
        return None
    declaration = declaring.validate(
        ctx.policy,
        title=fast.title,
        severity=fast.severity,
        declared_by=command.user_id,
        commander=command.user_id,
        source_key=f"command:{command.trigger_id}" if command.trigger_id else None,
        reply_url=command.response_url,
    )
    incident, _created = declaring.declare(ctx.sessions, ctx.policy, declaration, ctx.clock())
    return notice(
        ctx,
        f"{incident.ref} is declared ({incident.severity}): {incident.title}",
        "Its channel is being set up and you are in command.",
    )


def _declaration(ctx: SlackContext, body: dict[str, Any]) -> declaring.Declaration:
    view = body["view"]
    user = str(body["user"]["id"])
    opened = opened_form(ctx, body, "declare")
    alert = opened.get("alert_id")
    declaration = declaring.validate(
        ctx.policy,
        title=forms.text(view, "title"),
        severity=forms.selected(view, "severity"),
        impact=forms.text(view, "impact"),
        description=forms.text(view, "description"),
        service=forms.text(view, "service"),
        declared_by=user,
        commander=user if "self" in forms.checked(view, "commander") else None,
        is_private="private" in forms.checked(view, "private"),
        responders=tuple(forms.users(view, "responders")),
        fields=forms.field_values(ctx.policy, view),
        source_key=f"view:{view['id']}",
        reply_url=opened.get("reply_url"),
    )
    return replace(declaration, alert_ids=(int(alert),)) if alert else declaration


def submit_declare(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """Validate and commit the declaration, then close the form; its Slack side is owed."""
    ctx = bot(context)
    saved = save_form(
        ctx,
        ack,
        "title",
        lambda: declaring.declare(ctx.sessions, ctx.policy, _declaration(ctx, body), ctx.clock()),
    )
    if saved is not REFUSED:
        ack()
