"""Bolt listeners: module-level functions that parse, validate and commit through the domain, then
acknowledge; ``after_ack`` does what must come right after (opening a form, a private answer)."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltContext

from handlers import (
    actions,
    alerts,
    declare,
    insights,
    private,
    resolve,
    roles,
    router,
    status_page,
    timeline,
    updates,
)  # fmt: skip
from handlers.after_ack import after_ack
from handlers.common import bot

log = logging.getLogger(__name__)

Listener = Callable[[Ack, dict[str, Any], BoltContext], None]


def then_after(listener: Listener) -> Listener:
    """``listener``, then what it left for after its acknowledgement (``context["then"]``) handed to
    the after-ack threads, as the response goes back to Slack. Only when something was left: Bolt's
    lazy listeners would copy the whole request for each (its Web API client too), whether or not
    there was anything to do, a third of what a ``/incident help`` costs."""

    @functools.wraps(listener)
    def run(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        listener(ack, body, context)
        if not context.get("then"):
            return
        executor = bot(context).after_ack
        if executor is None:
            _after_ack(body, context)
        else:
            executor.submit(_after_ack, body, context)

    return run


def _after_ack(body: dict[str, Any], context: BoltContext) -> None:
    try:
        after_ack(body, context)
    except Exception:
        log.exception("what the acknowledgement of %s left to do failed", body.get("type") or "a command")


def register_all(app: App) -> None:
    app.command("/incident")(then_after(router.incident_command))
    app.view("declare")(then_after(declare.submit_declare))
    app.view("update")(then_after(updates.submit_update))
    app.view("severity")(then_after(updates.submit_severity))
    app.view("resolve")(then_after(resolve.submit_resolve))
    app.view("action_item")(then_after(actions.submit_item))
    app.view("statuspage")(then_after(status_page.submit))
    app.action("role_take")(then_after(roles.take))
    app.action("role_release")(then_after(roles.release))
    app.action("role_assign")(then_after(roles.assign))
    app.action("status_select")(then_after(updates.status_selected))
    app.action("update_open")(then_after(updates.open_from_reminder))
    for action_id in updates.SNOOZES:
        app.action(action_id)(then_after(updates.snooze))
    app.action("postmortem_done")(then_after(resolve.postmortem_done))
    app.action("private_join")(then_after(private.join_channel))
    app.action("action_item_done")(then_after(actions.done))
    app.action("action_item_reassign")(then_after(actions.reassign))
    app.event("reaction_added")(timeline.reaction_added)
    app.event("reaction_removed")(timeline.reaction_removed)
    app.event("app_home_opened")(insights.home_opened)
    app.shortcut("add_to_timeline")(then_after(timeline.shortcut))
    app.action("alert_declare")(then_after(alerts.declare_from_alert))
    app.action("alert_link")(then_after(alerts.link))
    app.action("alert_dismiss")(then_after(alerts.dismiss))
    app.action("resolve_open")(then_after(alerts.resolve_open))
    app.action("statuspage_open")(then_after(status_page.open_form))
