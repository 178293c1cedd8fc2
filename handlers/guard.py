"""Requests from another workspace or another app are refused before any listener sees them."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import BoltContext, BoltResponse

from handlers.common import bot

log = logging.getLogger(__name__)


def _team(body: dict[str, Any]) -> str | None:
    team = (
        body.get("team_id") or (body.get("team") or {}).get("id") or (body.get("user") or {}).get("team_id")
    )
    return str(team) if team else None


def own_workspace_only(
    body: dict[str, Any], context: BoltContext, next: Callable[[], None]
) -> BoltResponse | None:
    """Only the workspace and app of the bot's token (or ``SLACK_TEAM_ID`` / ``SLACK_APP_ID``)."""
    ctx = bot(context)
    identity = ctx.people.identity
    team, app = _team(body), body.get("api_app_id")
    want_team = ctx.settings.slack_team_id or identity.get("team_id")
    want_app = ctx.settings.slack_app_id or identity.get("app_id")
    if (team and want_team and team != want_team) or (app and want_app and app != want_app):
        log.warning(
            "refused a request from workspace %s, app %s (this bot serves %s, %s)",
            team,
            app,
            want_team,
            want_app,
        )
        return BoltResponse(status=403, body="")
    next()
    return None
