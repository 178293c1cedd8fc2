"""What the bot tells one person: a slash command's reply body and posts to response URLs.

Every response URL the demo mints is remembered with who acted where, so a post to it lands as an
ephemeral message ("only visible to you") in the right channel for the right person, replaces or
deletes the message the button was on, or (``response_type: in_channel``) is posted for everyone.
"""

from __future__ import annotations

import copy
import threading
from dataclasses import dataclass
from typing import Any

from playground.api_chat import add_to_thread, bot_message
from playground.records import ResponsePost
from playground.state import Workspace


@dataclass(frozen=True)
class Origin:
    """Who acted, in which channel, and (for a button) on which message."""

    user: str
    channel: str
    message_ts: str | None = None
    ephemeral: bool = False


class Replies:
    def __init__(self, ws: Workspace) -> None:
        self._ws = ws
        self._lock = threading.Lock()
        self._origins: dict[str, Origin] = {}
        self._items: list[dict[str, Any]] = []
        self._seen = 0

    def expect(self, response_url: str | None, origin: Origin) -> None:
        if response_url:
            with self._lock:
                self._origins[response_url] = origin

    def sync(self, posts: list[ResponsePost]) -> None:
        """Apply the response_url posts that arrived since the last sync."""
        with self._lock:
            if self._seen > len(posts):
                self._seen = 0
            fresh, self._seen = posts[self._seen :], len(posts)
            origins = [(self._origins.get(p.url), p.body) for p in fresh]
        for origin, body in origins:
            if origin is not None:
                self.deliver(origin, body)

    def deliver(self, origin: Origin, body: dict[str, Any]) -> None:
        """One reply body, from a command's HTTP answer or a response_url post."""
        content = {k: body[k] for k in ("text", "blocks", "attachments") if body.get(k) is not None}
        with self._ws.lock:
            if body.get("delete_original") and origin.message_ts:
                self._drop(origin)
            elif body.get("replace_original") and origin.message_ts:
                self._replace(origin, content)
            elif not content:
                return
            elif body.get("response_type") == "in_channel":
                channel = self._ws.find_channel(origin.channel)
                if channel is not None:
                    message = bot_message(self._ws, content.get("text"), content.get("blocks"), None)
                    add_to_thread(channel, message, body.get("thread_ts"))
            else:
                item = bot_message(self._ws, content.get("text"), content.get("blocks"), None)
                item.update(ephemeral_user=origin.user, channel=origin.channel)
                with self._lock:
                    self._items.append(item)
        self._ws.changes.bump()

    def _find(self, origin: Origin) -> dict[str, Any] | None:
        if origin.ephemeral:
            with self._lock:
                for item in self._items:
                    if item["ts"] == origin.message_ts:
                        return item
        channel = self._ws.find_channel(origin.channel)
        if channel is None:
            return None
        pool = channel.ephemerals if origin.ephemeral else channel.messages
        return next((m for m in pool if m.get("ts") == origin.message_ts), None)

    def _replace(self, origin: Origin, content: dict[str, Any]) -> None:
        found = self._find(origin)
        if found is not None:
            for key in ("text", "blocks", "attachments"):
                found.pop(key, None)
            found.update(copy.deepcopy(content))

    def _drop(self, origin: Origin) -> None:
        found = self._find(origin)
        if found is None:
            return
        with self._lock:
            self._items = [i for i in self._items if i is not found]
        channel = self._ws.find_channel(origin.channel)
        if channel is not None:
            channel.ephemerals[:] = [m for m in channel.ephemerals if m is not found]
            channel.messages[:] = [m for m in channel.messages if m is not found]

    def forget(self, user: str) -> None:
        """Every private reply ``user`` sees, gone (a reload in Slack does that)."""
        with self._lock:
            self._items = [i for i in self._items if i["ephemeral_user"] != user]
        with self._ws.lock:
            for channel in self._ws.channels.values():
                channel.ephemerals[:] = [m for m in channel.ephemerals if m.get("ephemeral_user") != user]
        self._ws.changes.bump()

    def for_user(self, user: str, channel: str) -> list[dict[str, Any]]:
        """The replies ``user`` sees in ``channel`` (a copy), oldest first."""
        with self._lock:
            return copy.deepcopy(
                [i for i in self._items if i["ephemeral_user"] == user and i["channel"] == channel]
            )
