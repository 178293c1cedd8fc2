"""The demo page's view of the workspace for one person, as JSON-ready data.

The sidebar (public channels, private ones the person is in, their DMs with the bot), the open
channel's messages with threads, reactions and the person's ephemeral messages, and their modal.
"""

from __future__ import annotations

from typing import Any

from playground.demo_people import PEOPLE
from playground.desk import Desk
from playground.emoji_codes import in_message
from playground.state import Channel, Workspace

FIRST_CHANNEL = "incident-response"


def _kind(channel: Channel) -> str:
    if channel.is_im:
        return "im"
    return "private" if channel.is_private else "public"


def _visible(channel: Channel, user: str) -> bool:
    if channel.is_im:
        return channel.im_user == user
    return not channel.is_private or user in channel.members


def _order(channel: Channel) -> tuple[int, str]:
    return (1 if channel.is_im else 0, channel.name)


def _entry(ws: Workspace, channel: Channel, user: str) -> dict[str, Any]:
    bot = ws.users.get(ws.config.bot_user_id)
    name = (bot.real_name if bot else "Incident Bot") if channel.is_im else channel.name
    latest = max((m["ts"] for m in channel.messages), default="")
    return {
        "id": channel.id,
        "name": name,
        "kind": _kind(channel),
        "member": user in channel.members,
        "archived": channel.is_archived,
        "latest": latest,
    }


def _users(ws: Workspace) -> dict[str, dict[str, Any]]:
    return {
        u.id: {
            "name": u.display_name or u.name,
            "real_name": u.real_name or u.name,
            "is_bot": u.is_bot,
            "deleted": u.deleted,
            "tz": u.tz,
        }
        for u in ws.users.values()
    }


PREVIEW_LINES = 12


def _with_previews(ws: Workspace, message: dict[str, Any]) -> dict[str, Any]:
    """A message's files with their first lines, to show as Slack does (the whole file at /files/<id>)."""
    for shown in message.get("files") or []:
        stored = ws.files.get(str(shown.get("id")))
        text = stored.content.decode("utf-8", "replace") if stored is not None else ""
        shown["preview"] = "\n".join(text.splitlines()[:PREVIEW_LINES])
        shown["open"] = f"/files/{shown.get('id')}"
    return message


def page_state(ws: Workspace, desk: Desk, user: str, channel_ref: str | None) -> dict[str, Any]:
    """Everything the page shows ``user`` with ``channel_ref`` open. KeyError for an unknown user."""
    desk.sync()
    with ws.lock:
        if user not in ws.users or ws.users[user].is_bot:
            raise KeyError(user)
        visible = sorted((c for c in ws.channels.values() if _visible(c, user)), key=_order)
        current = next((c for c in visible if channel_ref in (c.id, c.name)), None)
        current = current or next((c for c in visible if c.name == FIRST_CHANNEL), None)
        current = current or (visible[0] if visible else None)
        channel: dict[str, Any] | None = None
        if current is not None:
            channel = _entry(ws, current, user)
            channel.update(
                topic=current.topic["value"],
                members=list(current.members),
                messages=[_with_previews(ws, m) for m in in_message(current.messages)],
                ephemerals=in_message([e for e in current.ephemerals if e.get("ephemeral_user") == user]),
            )
        state: dict[str, Any] = {
            "version": ws.changes.version,
            "now": ws.ids.now(),
            "me": user,
            "bot": ws.config.bot_user_id,
            "people": [
                {"id": p.id, "title": p.title, "real_name": ws.users[p.id].real_name}
                for p in PEOPLE
                if p.id in ws.users
            ],
            "users": _users(ws),
            "channel_names": {c.id: c.name for c in ws.channels.values() if not c.is_im},
            "sidebar": [_entry(ws, c, user) for c in visible],
            "channel": channel,
        }
    if channel is not None:
        channel["ephemerals"] += in_message(desk.replies.for_user(user, channel["id"]))
    state["modal"] = desk.modals.snapshot(user)
    return state
