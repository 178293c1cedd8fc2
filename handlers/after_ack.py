"""What the acknowledgement left to do right after it, in the after-ack threads (``then_after``).

It opens a form (a ``trigger_id`` works once and for 3 seconds, so nothing queued may delay it:
Slack effects go through the outbox, never through here) and sends a private answer through the
response URL when the acknowledgement could not carry it (buttons).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import BoltContext
from slack_sdk.errors import SlackApiError

from bot.db.health import is_outage
from bot.rendering import Message
from bot.slack import open_forms
from bot.slack.context import SlackContext
from bot.slack.gateway import error_name
from handlers import forms_views
from handlers.common import bot, reply_url, user_of
from handlers.oncall import oncall_message

log = logging.getLogger(__name__)

Form = Callable[[SlackContext, dict[str, Any]], dict[str, Any] | None]

FORMS: dict[str, Form] = {
    "declare": forms_views.declare,
    "update": forms_views.update,
    "severity": forms_views.severity,
    "resolve": forms_views.resolve,
    "action": forms_views.action,
    "statuspage": forms_views.statuspage,
}


def after_ack(body: dict[str, Any], context: BoltContext) -> None:
    ctx = bot(context)
    todo = context.get("then") or {}
    if "form" in todo and not open_form(ctx, body, todo["form"], todo):
        line = "Slack did not open the form just now; nothing was saved. Run the command again."
        tell(ctx, body, ctx.render.message("notice", lines=[line]))
    if todo.get("oncall"):
        tell(ctx, body, oncall_message(ctx))
    if "tell" in todo:
        tell(ctx, body, Message(text=todo["tell"]["text"], blocks=todo["tell"].get("blocks") or []))


def open_form(ctx: SlackContext, body: dict[str, Any], name: str, data: dict[str, Any]) -> bool:
    """Open the form, and remember for whom and what its submission needs; False when Slack (or the
    database, for what the form shows) would not: the person is told to try again."""
    try:
        view = FORMS[name](ctx, data)
    except Exception as exc:
        if not is_outage(exc):
            raise
        log.warning("the %s form could not be filled in (%s)", name, exc)
        return False
    if view is None:
        return True  # what the form was for is gone: nothing to open
    kept = {key: value for key, value in data.items() if key not in ("form", "tell")}
    try:
        view["external_id"] = open_forms.remember(ctx.sessions, user_of(body), name, kept, ctx.clock())
    except Exception as exc:
        if not is_outage(exc):
            raise
        log.warning("the %s form could not be remembered (%s)", name, exc)
        return False
    try:
        ctx.slack.open_view(str(body.get("trigger_id") or ""), view)
    except SlackApiError as exc:
        log.warning("Slack did not open the %s form: %s", name, error_name(exc))
        return False
    return True


def tell(ctx: SlackContext, body: dict[str, Any], message: Message) -> None:
    """Privately, through the response URL (or a direct message when there is none)."""
    url, user = reply_url(ctx, body), user_of(body)
    try:
        if url and ctx.slack.reply(url, message):
            return
        if user:
            ctx.slack.post(user, message)
    except Exception:
        log.exception("could not tell %s: %s", user, message.text)
