"""Bolt listeners: module-level functions that parse, validate and commit through the domain, then
acknowledge; ``after_ack`` does what must come right after (opening a form, a private answer)."""

from __future__ import annotations

from slack_bolt import App

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

LAZY = [after_ack]


def register_all(app: App) -> None:
    app.command("/incident")(ack=router.incident_command, lazy=LAZY)
    app.view("declare")(ack=declare.submit_declare, lazy=LAZY)
    app.view("update")(ack=updates.submit_update, lazy=LAZY)
    app.view("severity")(ack=updates.submit_severity, lazy=LAZY)
    app.view("resolve")(ack=resolve.submit_resolve, lazy=LAZY)
    app.view("action_item")(ack=actions.submit_item, lazy=LAZY)
    app.view("statuspage")(ack=status_page.submit, lazy=LAZY)
    app.action("role_take")(ack=roles.take, lazy=LAZY)
    app.action("role_release")(ack=roles.release, lazy=LAZY)
    app.action("role_assign")(ack=roles.assign, lazy=LAZY)
    app.action("status_select")(ack=updates.status_selected, lazy=LAZY)
    app.action("update_open")(ack=updates.open_from_reminder, lazy=LAZY)
    for action_id in updates.SNOOZES:
        app.action(action_id)(ack=updates.snooze, lazy=LAZY)
    app.action("postmortem_done")(ack=resolve.postmortem_done, lazy=LAZY)
    app.action("private_join")(ack=private.join_channel, lazy=LAZY)
    app.action("action_item_done")(ack=actions.done, lazy=LAZY)
    app.action("action_item_reassign")(ack=actions.reassign, lazy=LAZY)
    app.event("reaction_added")(ack=timeline.reaction_added, lazy=[])
    app.event("reaction_removed")(ack=timeline.reaction_removed, lazy=[])
    app.event("app_home_opened")(ack=insights.home_opened, lazy=[])
    app.shortcut("add_to_timeline")(ack=timeline.shortcut, lazy=LAZY)
    app.action("alert_declare")(ack=alerts.declare_from_alert, lazy=LAZY)
    app.action("alert_link")(ack=alerts.link, lazy=LAZY)
    app.action("alert_dismiss")(ack=alerts.dismiss, lazy=LAZY)
    app.action("resolve_open")(ack=alerts.resolve_open, lazy=LAZY)
    app.action("statuspage_open")(ack=status_page.open_form, lazy=LAZY)
