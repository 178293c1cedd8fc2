"""Requests from another workspace or another app, or naming none, are refused before any listener
sees them."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import BoltContext, BoltResponse

from handlers.common import bot

log = logging.getLogger(__name__)

SHORTCUTS = ("message_action", "shortcut")


def _teams(body: dict[str, Any]) -> list[str]:
    """Every workspace the request names: its own, and the person's (a form's submitter)."""
    named = [body.get("team_id") or (body.get("team") or {}).get("id")]
    user = body.get("user")
    if isinstance(user, dict) and "team_id" in user:
        named.append(user.get("team_id"))
    return [str(team or "") for team in named]


def own_workspace_only(
    body: dict[str, Any], context: BoltContext, next: Callable[[], None]
) -> BoltResponse | None:
    """Only the workspace and app of the bot's token (or ``SLACK_TEAM_ID`` / ``SLACK_APP_ID``); a
    request that names no workspace or no app is refused like a foreign one."""
    ctx = bot(context)
    teams, app = _teams(body), str(body.get("api_app_id") or "")
    want_team = ctx.settings.slack_team_id or str(ctx.people.identity.get("team_id") or "")
    want_app = ctx.settings.slack_app_id or ctx.people.app_id
    foreign = [t for t in teams if t != want_team]
    # Slack names the app in every payload but shortcuts' (message_action, shortcut): there it may
    # be absent, and if it is there it must be this app
    unnamed = not app and ("api_app_id" in body or body.get("type") not in SHORTCUTS)
    if foreign or unnamed or (app and want_app and app != want_app):
        log.warning(
            "refused a request from workspace %s, app %s (this bot serves %s, %s)",
            foreign[0] if foreign else want_team,
            app or "(none)",
            want_team,
            want_app,
        )
        return BoltResponse(status=403, body="")
    next()
    return None
