"""auth.test, apps.connections.open, users.* and usergroups.*."""

from __future__ import annotations

from typing import Any

from playground.args import Args, Handler
from playground.errors import SlackError, unsupported
from playground.pagination import paginate
from playground.state import Workspace


def auth_test(ws: Workspace, a: Args) -> dict[str, Any]:
    cfg = ws.config
    bot = ws.users.get(cfg.bot_user_id)
    return {
        "ok": True,
        "url": cfg.team_url,
        "team": cfg.team_name,
        "user": bot.name if bot else "incident-bot",
        "team_id": cfg.team_id,
        "user_id": cfg.bot_user_id,
        "bot_id": cfg.bot_id,
        "is_enterprise_install": False,
    }  # like Slack's: no app_id (bots.info has it)


def bots_info(ws: Workspace, a: Args) -> dict[str, Any]:
    cfg = ws.config
    if a.opt_str("bot") not in (None, "", cfg.bot_id):
        raise SlackError("bot_not_found")
    bot = ws.users.get(cfg.bot_user_id)
    return {
        "ok": True,
        "bot": {
            "id": cfg.bot_id,
            "deleted": False,
            "name": bot.name if bot else "incident-bot",
            "updated": 1700000000,
            "app_id": cfg.app_id,
            "user_id": cfg.bot_user_id,
            "icons": {},
        },
    }


def connections_open(ws: Workspace, a: Args) -> dict[str, Any]:
    factory = ws.config.socket_url_factory
    if factory is None:
        raise unsupported("Socket Mode server is not running")
    return {"ok": True, "url": factory()}


def users_info(ws: Workspace, a: Args) -> dict[str, Any]:
    user = ws.user(a.opt_str("user"))
    return {"ok": True, "user": user.to_api(ws.config.team_id)}


def users_list(ws: Workspace, a: Args) -> dict[str, Any]:
    page, meta = paginate(list(ws.users.values()), a)
    members = [u.to_api(ws.config.team_id) for u in page]
    return {"ok": True, "members": members, "cache_ts": 1700000000, "response_metadata": meta}


def users_lookup_by_email(ws: Workspace, a: Args) -> dict[str, Any]:
    email = (a.opt_str("email") or "").lower()
    for user in ws.users.values():
        if user.email and user.email.lower() == email:
            return {"ok": True, "user": user.to_api(ws.config.team_id)}
    raise SlackError("users_not_found")


def usergroups_list(ws: Workspace, a: Args) -> dict[str, Any]:
    include_users = a.opt_bool("include_users")
    groups = [g.to_api(ws.config.team_id, include_users) for g in ws.usergroups.values()]
    return {"ok": True, "usergroups": groups}


def usergroups_users_list(ws: Workspace, a: Args) -> dict[str, Any]:
    group = ws.usergroups.get(a.opt_str("usergroup") or "")
    if group is None:
        raise SlackError("no_such_subteam")
    return {"ok": True, "users": list(group.users)}


METHODS: dict[str, Handler] = {
    "auth.test": auth_test,
    "bots.info": bots_info,
    "apps.connections.open": connections_open,
    "users.info": users_info,
    "users.list": users_list,
    "users.lookupByEmail": users_lookup_by_email,
    "usergroups.list": usergroups_list,
    "usergroups.users.list": usergroups_users_list,
}
