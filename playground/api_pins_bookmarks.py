"""pins.* and bookmarks.*: channel furniture the bot manages (bot must be a member)."""

from __future__ import annotations

import copy
import time
from typing import Any

from playground.args import Args, Handler
from playground.errors import SlackError, invalid_arguments
from playground.state import Workspace


def pins_add(ws: Workspace, a: Args) -> dict[str, Any]:
    channel = ws.member_channel(a.opt_str("channel"))
    if not a.has("timestamp"):
        raise SlackError("no_item_specified")
    message = ws.message(channel, a.opt_str("timestamp"))
    if message["ts"] in channel.pins:
        raise SlackError("already_pinned")
    channel.pins.append(message["ts"])
    message["pinned_to"] = [channel.id]
    return {"ok": True}


def pins_remove(ws: Workspace, a: Args) -> dict[str, Any]:
    channel = ws.member_channel(a.opt_str("channel"))
    if not a.has("timestamp"):
        raise SlackError("no_item_specified")
    ts = a.opt_str("timestamp")
    if ts not in channel.pins:
        raise SlackError("no_pin")
    channel.pins.remove(ts or "")
    message = channel.find_message(ts)
    if message is not None:
        message.pop("pinned_to", None)
    return {"ok": True}


def pins_list(ws: Workspace, a: Args) -> dict[str, Any]:
    channel = ws.visible_channel(a.opt_str("channel"))
    items = []
    for ts in channel.pins:
        message = channel.find_message(ts)
        if message is not None:
            items.append({"type": "message", "channel": channel.id, "message": copy.deepcopy(message)})
    return {"ok": True, "items": items}


def bookmarks_add(ws: Workspace, a: Args) -> dict[str, Any]:
    channel = ws.member_channel(a.opt_str("channel_id"))
    title = a.opt_str("title")
    if not title:
        raise invalid_arguments("missing required field: title")
    if a.opt_str("type") != "link":
        raise SlackError("invalid_bookmark_type")
    link = a.opt_str("link") or ""
    if not link.startswith(("http://", "https://")):
        raise SlackError("invalid_link")
    bookmark = {
        "id": ws.ids.object_id("Bk"),
        "channel_id": channel.id,
        "title": title,
        "link": link,
        "emoji": a.opt_str("emoji"),
        "icon_url": None,
        "type": "link",
        "entity_id": None,
        "date_created": int(time.time()),
        "date_updated": 0,
        "rank": chr(ord("a") + len(channel.bookmarks) % 26),
        "last_updated_by_user_id": ws.config.bot_user_id,
        "last_updated_by_team_id": ws.config.team_id,
        "shortcut_id": None,
        "app_id": ws.config.app_id,
    }
    channel.bookmarks.append(bookmark)
    return {"ok": True, "bookmark": dict(bookmark)}


def bookmarks_list(ws: Workspace, a: Args) -> dict[str, Any]:
    channel = ws.visible_channel(a.opt_str("channel_id"))
    return {"ok": True, "bookmarks": copy.deepcopy(channel.bookmarks)}


METHODS: dict[str, Handler] = {
    "pins.add": pins_add,
    "pins.remove": pins_remove,
    "pins.list": pins_list,
    "bookmarks.add": bookmarks_add,
    "bookmarks.list": bookmarks_list,
}
