"""chat.* and reactions.*: posting, updating, deleting, ephemeral messages, permalinks."""

from __future__ import annotations

import copy
from typing import Any

from playground.args import Args, Handler
from playground.errors import SlackError
from playground.state import Channel, Workspace
from playground.validation import validate_message_content


def _post_target(ws: Workspace, ref: str | None) -> Channel:
    """Channel id or name (``#`` optional), or a user id, which posts to the bot's DM."""
    if ref and ref[:1] in ("U", "W") and ref in ws.users:
        return ws.dm_channel(ref)
    channel = ws.visible_channel(ref)  # public channels need no membership (chat:write.public)
    if channel.is_archived:
        raise SlackError("is_archived")
    return channel


def _content(a: Args) -> tuple[str | None, Any, Any]:
    return a.opt_str("text"), a.raw.get("blocks"), a.raw.get("attachments")


def bot_message(ws: Workspace, text: str | None, blocks: Any, attachments: Any) -> dict[str, Any]:
    cfg = ws.config
    message: dict[str, Any] = {
        "type": "message",
        "user": cfg.bot_user_id,
        "bot_id": cfg.bot_id,
        "app_id": cfg.app_id,
        "team": cfg.team_id,
        "text": text or "",
        "ts": ws.ids.ts(),
        "bot_profile": {
            "id": cfg.bot_id,
            "app_id": cfg.app_id,
            "name": "Incident Bot",
            "team_id": cfg.team_id,
        },
    }
    if blocks is not None:
        message["blocks"] = blocks
    if attachments is not None:
        message["attachments"] = attachments
    return message


def add_to_thread(channel: Channel, message: dict[str, Any], thread_ts: str | None) -> None:
    parent = channel.find_message(thread_ts) if thread_ts else None
    if parent is not None and thread_ts is not None:
        message["thread_ts"] = thread_ts
        parent["thread_ts"] = thread_ts
        parent["reply_count"] = int(parent.get("reply_count", 0)) + 1
        parent["latest_reply"] = message["ts"]
    channel.messages.append(message)


def post_message(ws: Workspace, a: Args) -> dict[str, Any]:
    channel = _post_target(ws, a.opt_str("channel"))
    text, blocks, attachments = _content(a)
    validate_message_content(text, blocks, attachments)
    message = bot_message(ws, text, blocks, attachments)
    if a.raw.get("metadata") is not None:
        message["metadata"] = a.raw["metadata"]
    add_to_thread(channel, message, a.opt_str("thread_ts"))
    return {"ok": True, "channel": channel.id, "ts": message["ts"], "message": copy.deepcopy(message)}


def _own_message(ws: Workspace, a: Args, forbidden: str) -> tuple[Channel, dict[str, Any]]:
    channel = ws.visible_channel(a.opt_str("channel"))
    if channel.is_archived:
        raise SlackError("is_archived")
    message = ws.message(channel, a.opt_str("ts"))
    if message.get("bot_id") != ws.config.bot_id:
        raise SlackError(forbidden)
    return channel, message


def update(ws: Workspace, a: Args) -> dict[str, Any]:
    channel, message = _own_message(ws, a, "cant_update_message")
    text, blocks, attachments = _content(a)
    validate_message_content(text, blocks, attachments)
    for key, value in (("text", text), ("blocks", blocks), ("attachments", attachments)):
        if value is not None:
            message[key] = value
    if a.raw.get("metadata") is not None:
        message["metadata"] = a.raw["metadata"]
    message["edited"] = {"user": ws.config.bot_user_id, "ts": ws.ids.ts()}
    return {
        "ok": True,
        "channel": channel.id,
        "ts": message["ts"],
        "text": message.get("text", ""),
        "message": copy.deepcopy(message),
    }


def delete(ws: Workspace, a: Args) -> dict[str, Any]:
    channel, message = _own_message(ws, a, "cant_delete_message")
    channel.messages.remove(message)
    if message["ts"] in channel.pins:
        channel.pins.remove(message["ts"])
    return {"ok": True, "channel": channel.id, "ts": message["ts"]}


def post_ephemeral(ws: Workspace, a: Args) -> dict[str, Any]:
    channel = ws.member_channel(a.opt_str("channel"))
    user = ws.user(a.opt_str("user"))
    if user.id not in channel.members:
        raise SlackError("user_not_in_channel")
    text, blocks, attachments = _content(a)
    validate_message_content(text, blocks, attachments)
    message = bot_message(ws, text, blocks, attachments)
    message["ephemeral_user"] = user.id
    if a.opt_str("thread_ts"):
        message["thread_ts"] = a.opt_str("thread_ts")
    channel.ephemerals.append(message)
    return {"ok": True, "message_ts": message["ts"]}


def get_permalink(ws: Workspace, a: Args) -> dict[str, Any]:
    channel = ws.visible_channel(a.opt_str("channel"))
    message = ws.message(channel, a.opt_str("message_ts"))
    link = f"{ws.config.team_url}archives/{channel.id}/p{message['ts'].replace('.', '')}"
    thread_ts = message.get("thread_ts")
    if thread_ts and thread_ts != message["ts"]:
        link += f"?thread_ts={thread_ts}&cid={channel.id}"
    return {"ok": True, "channel": channel.id, "permalink": link}


def _reaction_target(ws: Workspace, a: Args) -> tuple[dict[str, Any], str]:
    channel = ws.visible_channel(a.opt_str("channel"))
    if channel.is_archived:
        raise SlackError("is_archived")
    if not a.has("timestamp"):
        raise SlackError("no_item_specified")
    message = ws.message(channel, a.opt_str("timestamp"))
    name = (a.opt_str("name") or "").strip(":")
    if not name:
        raise SlackError("invalid_name")
    return message, name


def reactions_add(ws: Workspace, a: Args) -> dict[str, Any]:
    message, name = _reaction_target(ws, a)
    reactions: list[dict[str, Any]] = message.setdefault("reactions", [])
    bot = ws.config.bot_user_id
    entry = next((r for r in reactions if r["name"] == name), None)
    if entry is None:
        entry = {"name": name, "users": [], "count": 0}
        reactions.append(entry)
    if bot in entry["users"]:
        raise SlackError("already_reacted")
    entry["users"].append(bot)
    entry["count"] = len(entry["users"])
    return {"ok": True}


def reactions_remove(ws: Workspace, a: Args) -> dict[str, Any]:
    message, name = _reaction_target(ws, a)
    reactions: list[dict[str, Any]] = message.get("reactions", [])
    entry = next((r for r in reactions if r["name"] == name), None)
    bot = ws.config.bot_user_id
    if entry is None or bot not in entry["users"]:
        raise SlackError("no_reaction")
    entry["users"].remove(bot)
    entry["count"] = len(entry["users"])
    if not entry["users"]:
        reactions.remove(entry)
    return {"ok": True}


METHODS: dict[str, Handler] = {
    "chat.postMessage": post_message,
    "chat.update": update,
    "chat.delete": delete,
    "chat.postEphemeral": post_ephemeral,
    "chat.getPermalink": get_permalink,
    "reactions.add": reactions_add,
    "reactions.remove": reactions_remove,
}
