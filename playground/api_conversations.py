"""conversations.*: create, invite, join, topic/purpose, info, members, archive, list, history."""

from __future__ import annotations

import copy
import time
from typing import Any

from playground.args import Args, Handler
from playground.errors import SlackError, unsupported
from playground.pagination import paginate
from playground.state import Channel, Workspace
from playground.validation import MAX_TOPIC, validate_channel_name


def _api(ws: Workspace, channel: Channel) -> dict[str, Any]:
    return channel.to_api(ws.config.bot_user_id, ws.config.team_id)


def create(ws: Workspace, a: Args) -> dict[str, Any]:
    name = validate_channel_name(a.opt_str("name"))
    if ws.find_channel(name) is not None:
        raise SlackError("name_taken")
    bot = ws.config.bot_user_id
    channel = ws.add_channel(name, is_private=a.opt_bool("is_private"), members=[bot], creator=bot)
    return {"ok": True, "channel": _api(ws, channel)}


def _invite_problem(ws: Workspace, channel: Channel, user_id: str) -> str | None:
    if user_id == ws.config.bot_user_id:
        return "cant_invite_self"
    user = ws.users.get(user_id)
    if user is None:
        return "user_not_found"
    if user.deleted:
        return "cant_invite"
    if user_id in channel.members:
        return "already_in_channel"
    return None


def invite(ws: Workspace, a: Args) -> dict[str, Any]:
    channel = ws.visible_channel(a.opt_str("channel"))
    if channel.is_im:
        raise SlackError("method_not_supported_for_channel_type")
    if channel.is_archived:
        raise SlackError("is_archived")
    if not ws.is_member(channel):
        raise SlackError("not_in_channel")
    users = list(dict.fromkeys(a.csv("users")))
    if not users:
        raise SlackError("no_user")
    errors: list[dict[str, Any]] = []
    to_add: list[str] = []
    for user_id in users:
        problem = _invite_problem(ws, channel, user_id)
        if problem is None:
            to_add.append(user_id)
        else:
            errors.append({"user": user_id, "ok": False, "error": problem})
    hard = [e for e in errors if e["error"] != "already_in_channel"]
    if hard and (not a.opt_bool("force") or not to_add):
        raise SlackError(hard[0]["error"], errors=errors)
    if not to_add:
        raise SlackError("already_in_channel", errors=errors)
    channel.members.extend(to_add)
    reply: dict[str, Any] = {"ok": True, "channel": _api(ws, channel)}
    if errors:
        reply["errors"] = errors
    return reply


def join(ws: Workspace, a: Args) -> dict[str, Any]:
    channel = ws.find_channel(a.opt_str("channel"))
    if channel is None:
        raise SlackError("channel_not_found")
    if channel.is_private or channel.is_im:
        raise SlackError("method_not_supported_for_channel_type")
    if channel.is_archived:
        raise SlackError("is_archived")
    if ws.is_member(channel):
        warning = "already_in_channel"
        return {
            "ok": True,
            "channel": _api(ws, channel),
            "warning": warning,
            "response_metadata": {"warnings": [warning]},
        }
    channel.members.append(ws.config.bot_user_id)
    return {"ok": True, "channel": _api(ws, channel)}


def _set_text(ws: Workspace, a: Args, field: str) -> Channel:
    channel = ws.member_channel(a.opt_str("channel"))
    value = a.opt_str(field) or ""
    if len(value) > MAX_TOPIC:
        raise SlackError("too_long")
    target = channel.topic if field == "topic" else channel.purpose
    target.update(value=value, creator=ws.config.bot_user_id, last_set=int(time.time()))
    return channel


def set_topic(ws: Workspace, a: Args) -> dict[str, Any]:
    channel = _set_text(ws, a, "topic")
    return {"ok": True, "channel": _api(ws, channel)}


def set_purpose(ws: Workspace, a: Args) -> dict[str, Any]:
    channel = _set_text(ws, a, "purpose")
    return {"ok": True, "channel": _api(ws, channel), "purpose": channel.purpose["value"]}


def info(ws: Workspace, a: Args) -> dict[str, Any]:
    channel = ws.visible_channel(a.opt_str("channel"))
    return {"ok": True, "channel": _api(ws, channel)}


def members(ws: Workspace, a: Args) -> dict[str, Any]:
    channel = ws.visible_channel(a.opt_str("channel"))
    page, meta = paginate(channel.members, a)
    return {"ok": True, "members": page, "response_metadata": meta}


def archive(ws: Workspace, a: Args) -> dict[str, Any]:
    channel = ws.visible_channel(a.opt_str("channel"))
    if channel.is_archived:
        raise SlackError("already_archived")
    if channel.is_im:
        raise SlackError("method_not_supported_for_channel_type")
    if channel.name == "general":
        raise SlackError("cant_archive_general")
    if not ws.is_member(channel):
        raise SlackError("not_in_channel")
    channel.is_archived = True
    return {"ok": True}


def unarchive(ws: Workspace, a: Args) -> dict[str, Any]:
    channel = ws.visible_channel(a.opt_str("channel"))
    if not channel.is_archived:
        raise SlackError("not_archived")
    if not ws.is_member(channel):
        raise SlackError("not_in_channel")
    channel.is_archived = False
    return {"ok": True}


def rename(ws: Workspace, a: Args) -> dict[str, Any]:
    channel = ws.member_channel(a.opt_str("channel"))
    name = validate_channel_name(a.opt_str("name"))
    other = ws.find_channel(name)
    if other is not None and other is not channel:
        raise SlackError("name_taken")
    channel.name = name
    return {"ok": True, "channel": _api(ws, channel)}


_TYPE_OF = {"public_channel": "public", "private_channel": "private", "im": "im", "mpim": "mpim"}


def _kind(channel: Channel) -> str:
    if channel.is_im:
        return "im"
    return "private" if channel.is_private else "public"


def list_conversations(ws: Workspace, a: Args) -> dict[str, Any]:
    wanted = {_TYPE_OF.get(t, t) for t in (a.csv("types") or ["public_channel"])}
    exclude_archived = a.opt_bool("exclude_archived")
    found = [
        c
        for c in ws.channels.values()
        if _kind(c) in wanted
        and not (exclude_archived and c.is_archived)
        and (not c.is_private or ws.is_member(c))
    ]
    page, meta = paginate(found, a)
    return {"ok": True, "channels": [_api(ws, c) for c in page], "response_metadata": meta}


def _readable(ws: Workspace, a: Args) -> Channel:
    return ws.member_channel(a.opt_str("channel"), writable=False)


def _ts_arg(a: Args, name: str) -> float | None:
    value = a.opt_str(name)
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        raise SlackError("invalid_ts_" + name) from None


def _shown(messages: list[dict[str, Any]], a: Args) -> list[dict[str, Any]]:
    """Copies as Slack returns them: message metadata only with ``include_all_metadata``."""
    shown = copy.deepcopy(messages)
    if not a.opt_bool("include_all_metadata"):
        for message in shown:
            message.pop("metadata", None)
    return shown


def history(ws: Workspace, a: Args) -> dict[str, Any]:
    channel = _readable(ws, a)
    oldest, latest = _ts_arg(a, "oldest"), _ts_arg(a, "latest")
    inclusive = a.opt_bool("inclusive")

    def in_range(ts: str) -> bool:
        t = float(ts)
        low = oldest is None or (t >= oldest if inclusive else t > oldest)
        high = latest is None or (t <= latest if inclusive else t < latest)
        return low and high

    top = [
        m for m in reversed(channel.messages) if m.get("thread_ts") in (None, m["ts"]) and in_range(m["ts"])
    ]
    page, meta = paginate(top, a)
    return {
        "ok": True,
        "messages": _shown(page, a),
        "has_more": bool(meta["next_cursor"]),
        "pin_count": len(channel.pins),
        "response_metadata": meta,
    }


def replies(ws: Workspace, a: Args) -> dict[str, Any]:
    channel = _readable(ws, a)
    ts = a.opt_str("ts")
    parent = channel.find_message(ts)
    if parent is None:
        raise SlackError("thread_not_found")
    thread = [parent] + [m for m in channel.messages if m.get("thread_ts") == ts and m is not parent]
    page, meta = paginate(thread, a)
    return {
        "ok": True,
        "messages": _shown(page, a),
        "has_more": bool(meta["next_cursor"]),
        "response_metadata": meta,
    }


def open_conversation(ws: Workspace, a: Args) -> dict[str, Any]:
    if a.has("channel"):
        channel = ws.visible_channel(a.opt_str("channel"))
        return {"ok": True, "channel": _api(ws, channel)}
    users = a.csv("users")
    if not users:
        raise SlackError("users_list_not_supplied")
    if len(users) > 1:
        raise unsupported("multi-person DMs (mpim) are not modelled")
    user = ws.user(users[0])
    existed = user.id in ws.dms
    channel = ws.dm_channel(user.id)
    body = _api(ws, channel) if a.opt_bool("return_im") else {"id": channel.id}
    reply: dict[str, Any] = {"ok": True, "channel": body}
    if existed:
        reply.update(no_op=True, already_open=True)
    return reply


METHODS: dict[str, Handler] = {
    "conversations.create": create,
    "conversations.invite": invite,
    "conversations.join": join,
    "conversations.setTopic": set_topic,
    "conversations.setPurpose": set_purpose,
    "conversations.info": info,
    "conversations.members": members,
    "conversations.archive": archive,
    "conversations.unarchive": unarchive,
    "conversations.rename": rename,
    "conversations.list": list_conversations,
    "conversations.history": history,
    "conversations.replies": replies,
    "conversations.open": open_conversation,
}
