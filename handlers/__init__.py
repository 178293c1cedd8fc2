"""Bolt listeners: parse the payload, acknowledge at once, call the domain, render, send."""

from __future__ import annotations

from slack_bolt import App

from bot.context import Context


def register_all(app: App, ctx: Context) -> None:
    from handlers import actions, declare, resolve, roles, router, timeline, updates

    router.register(app, ctx)
    declare.register(app, ctx)
    roles.register(app, ctx)
    updates.register(app, ctx)
    resolve.register(app, ctx)
    timeline.register(app, ctx)
    actions.register(app, ctx)
