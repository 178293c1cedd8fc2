"""``/incident declare`` (modal or fast path) and the declare modal's submission."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from slack_bolt import Ack, App

from bot.context import Context
from bot.errors import InputError
from bot.incidents import declare as declaring
from bot.slack.presenters import facts
from bot.slack.provision import provision
from bot.text import decode_slack_text
from handlers import forms
from handlers.common import Command, metadata, notice, reporting, tell

LIMITS = {
    "title": declaring.TITLE_MAX,
    "impact": declaring.IMPACT_MAX,
    "description": declaring.DESCRIPTION_MAX,
    "service": declaring.SERVICE_MAX,
}


def run_command(ctx: Context, command: Command) -> None:
    """``declare``: no text opens the modal; ``P1 <title>`` declares at once; a title alone prefills it."""
    try:
        fast = declaring.parse_fast_path(ctx.policy, decode_slack_text(command.args))
    except InputError as error:
        ctx.slack.reply(command.response_url, notice(ctx, str(error)))
        return
    if fast.severity is None:
        open_modal(ctx, command, fast.title)
        return
    try:
        declaration = declaring.validate(
            ctx.policy,
            title=fast.title,
            severity=fast.severity,
            declared_by=command.user_id,
            commander=command.user_id,
            source_key=f"command:{command.trigger_id}" if command.trigger_id else None,
            reply_url=command.response_url,
        )
    except InputError as error:
        ctx.slack.reply(command.response_url, notice(ctx, *error.fields.values()))
        return
    finish(ctx, declaration)


def open_modal(ctx: Context, command: Command, title: str = "") -> None:
    private = json.dumps({"reply_url": command.response_url, "channel": command.channel_id})
    view = ctx.render.view(
        "declare",
        severities=ctx.policy.severities,
        default_severity=None,
        title=title,
        limits=LIMITS,
        metadata=private,
    )
    ctx.slack.client.views_open(trigger_id=command.trigger_id, view=view)


def _declaration(ctx: Context, body: dict[str, Any]) -> declaring.Declaration:
    view = body["view"]
    user = str(body["user"]["id"])
    return declaring.validate(
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
        source_key=f"view:{view['id']}",
        reply_url=metadata(view).get("reply_url"),
    )


def finish(ctx: Context, declaration: declaring.Declaration) -> None:
    """Commit the incident, then do its Slack side, then tell the declarer how it went."""
    setup_retry = timedelta(seconds=ctx.settings.slack_retry_after)
    incident, created = declaring.declare(ctx.sessions, ctx.policy, declaration, ctx.clock(), setup_retry)
    if not created:
        return  # a double submit or a retry: the first request does the rest
    outcome = provision(ctx, incident.id)
    message = ctx.render.message(
        "declared_reply", i=facts(ctx.policy, outcome.incident, ctx.clock()), failures=outcome.failures
    )
    tell(ctx, declaration.reply_url, declaration.declared_by, message)


def register(app: App, ctx: Context) -> None:
    def ack_submission(ack: Ack, body: dict[str, Any]) -> None:
        try:
            _declaration(ctx, body)
        except InputError as error:
            ack(response_action="errors", errors=error.fields)
            return
        ack()

    @reporting(ctx, "declaring the incident")
    def submit(body: dict[str, Any]) -> None:
        # Bolt runs lazy listeners whatever the ack said: a refused form was answered in the ack.
        try:
            declaration = _declaration(ctx, body)
        except InputError:
            return
        finish(ctx, declaration)

    app.view("declare")(ack=ack_submission, lazy=[submit])
