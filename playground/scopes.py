"""OAuth scopes: which scope a Web API method needs, checked like Slack checks them.

The stand-in grants the bot exactly the scopes ``manifest.yml`` asks for, so a call whose scope
the manifest lacks fails a test with ``missing_scope`` instead of failing in production.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from playground.state import Workspace

MANIFEST = Path(__file__).resolve().parents[1] / "manifest.yml"

# Methods whose scope does not depend on the channel. An empty tuple: no scope needed.
FIXED: dict[str, tuple[str, ...]] = {
    "auth.test": (),
    "bots.info": ("users:read",),
    "chat.update": ("chat:write",),
    "chat.delete": ("chat:write",),
    "chat.postEphemeral": ("chat:write",),
    "chat.getPermalink": (),
    "conversations.join": ("channels:join",),
    "conversations.list": ("channels:read", "groups:read"),
    "conversations.open": ("im:write",),
    "pins.add": ("pins:write",),
    "pins.remove": ("pins:write",),
    "pins.list": ("pins:read",),
    "bookmarks.add": ("bookmarks:write",),
    "bookmarks.edit": ("bookmarks:write",),
    "bookmarks.remove": ("bookmarks:write",),
    "bookmarks.list": ("bookmarks:read",),
    "users.info": ("users:read",),
    "users.list": ("users:read",),
    "users.lookupByEmail": ("users:read.email",),
    "usergroups.list": ("usergroups:read",),
    "usergroups.users.list": ("usergroups:read",),
    "files.getUploadURLExternal": ("files:write",),
    "files.completeUploadExternal": ("files:write",),
    "files.info": ("files:read",),
    "reactions.add": ("reactions:write",),
    "reactions.remove": ("reactions:write",),
    "reactions.get": ("reactions:read",),
    "views.open": (),
    "views.push": (),
    "views.update": (),
    "views.publish": (),
    "apps.connections.open": (),
}
# Methods whose scope depends on the kind of channel: (public, private, direct message).
BY_CHANNEL: dict[str, tuple[str, str, str]] = {
    "conversations.history": ("channels:history", "groups:history", "im:history"),
    "conversations.replies": ("channels:history", "groups:history", "im:history"),
    "conversations.info": ("channels:read", "groups:read", "im:read"),
    "conversations.members": ("channels:read", "groups:read", "im:read"),
    "conversations.create": ("channels:manage", "groups:write", "im:write"),
    "conversations.invite": ("channels:manage", "groups:write", "im:write"),
    "conversations.setTopic": ("channels:manage", "groups:write", "im:write"),
    "conversations.setPurpose": ("channels:manage", "groups:write", "im:write"),
    "conversations.archive": ("channels:manage", "groups:write", "im:write"),
    "conversations.unarchive": ("channels:manage", "groups:write", "im:write"),
    "conversations.rename": ("channels:manage", "groups:write", "im:write"),
}


def manifest_scopes(path: Path = MANIFEST) -> frozenset[str] | None:
    """The bot scopes ``manifest.yml`` asks for; None when there is no manifest beside the package."""
    if not path.is_file():
        return None
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return frozenset(((data.get("oauth_config") or {}).get("scopes") or {}).get("bot") or ())


def needed(ws: Workspace, method: str, args: dict[str, Any]) -> tuple[str, ...]:
    """The scopes of which the call needs one (empty: none needed, or a method not modelled)."""
    if method == "chat.postMessage":
        channel = ws.find_channel(str(args.get("channel") or ""))
        if channel is not None and not channel.is_private and not ws.is_member(channel):
            return ("chat:write.public",)
        return ("chat:write",)
    if method in BY_CHANNEL:
        public, private, direct = BY_CHANNEL[method]
        if method == "conversations.create":
            return (private,) if str(args.get("is_private")).lower() in ("1", "true") else (public,)
        channel = ws.find_channel(str(args.get("channel") or ""))
        if channel is None:
            return ()  # the method answers channel_not_found itself
        return (direct,) if channel.is_im else (private,) if channel.is_private else (public,)
    return FIXED.get(method, ())


def missing(
    ws: Workspace, granted: Iterable[str] | None, method: str, args: dict[str, Any]
) -> dict[str, Any]:
    """Slack's ``missing_scope`` reply when none of the needed scopes is granted, else ``{}``."""
    if granted is None:
        return {}
    scopes = needed(ws, method, args)
    have = set(granted)
    if not scopes or have.intersection(scopes):
        return {}
    return {"ok": False, "error": "missing_scope", "needed": scopes[0], "provided": ",".join(sorted(have))}
