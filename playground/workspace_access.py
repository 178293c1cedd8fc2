"""The facade's read/seed helpers over the workspace (snapshots, never live objects)."""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Iterable
from typing import Any

from playground.records import StoredFile
from playground.state import Channel, User, Workspace


class WorkspaceAccess:
    _ws: Workspace

    # ----------------------------------------------------------------- seeding
    def add_user(
        self,
        name: str,
        *,
        user_id: str | None = None,
        real_name: str | None = None,
        display_name: str | None = None,
        is_bot: bool = False,
        deleted: bool = False,
        tz: str = "UTC",
        email: str | None = None,
    ) -> str:
        """Add a user and return their id."""
        uid = user_id or self._ws.ids.object_id("U")
        bot_id = self._ws.ids.object_id("B") if is_bot else None
        real = real_name or name.title()
        self._ws.add_user(User(uid, name, real, display_name or name, is_bot, deleted, tz, email, bot_id))
        return uid

    def add_channel(
        self,
        name: str,
        is_private: bool = False,
        members: Iterable[str] = (),
        *,
        bot_member: bool = False,
        channel_id: str | None = None,
    ) -> str:
        """Add a channel (the bot is not a member unless ``bot_member``) and return its id."""
        people = list(members) + ([self._ws.config.bot_user_id] if bot_member else [])
        return self._ws.add_channel(name, is_private=is_private, members=people, channel_id=channel_id).id

    def add_message(
        self,
        channel: str,
        text: str,
        user: str = "U0ALICE",
        *,
        thread_ts: str | None = None,
        blocks: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """Put a human's message in a channel (for shortcuts, pins, cant_update tests)."""
        with self._ws.lock:
            target = self._channel(channel)
            message: dict[str, Any] = {
                "type": "message",
                "user": user,
                "text": text,
                "ts": self._ws.ids.ts(),
                "team": self._ws.config.team_id,
            }
            if blocks is not None:
                message["blocks"] = blocks
            if thread_ts is not None:
                message["thread_ts"] = thread_ts
            target.messages.append(message)
            copied = copy.deepcopy(message)
        self._ws.changes.bump()
        return copied

    def react(self, channel: str, ts: str, name: str, user: str, add: bool = True) -> None:
        """A person adds (or removes) an emoji reaction on a message, as Slack records it."""
        with self._ws.lock:
            message = self._ws.message(self._channel(channel), ts)
            reactions: list[dict[str, Any]] = message.setdefault("reactions", [])
            entry = next((r for r in reactions if r["name"] == name), None)
            if entry is None:
                entry = {"name": name, "users": [], "count": 0}
                reactions.append(entry)
            if add and user not in entry["users"]:
                entry["users"].append(user)
            elif not add and user in entry["users"]:
                entry["users"].remove(user)
            entry["count"] = len(entry["users"])
            if not entry["users"]:
                reactions.remove(entry)

    def archive(self, channel: str) -> None:
        """Someone archives a channel (as people do with a finished incident's channel)."""
        with self._ws.lock:
            self._channel(channel).is_archived = True

    def remove_member(self, channel: str, user: str) -> None:
        """Someone removes a member (the bot, say) from a channel."""
        with self._ws.lock:
            members = self._channel(channel).members
            if user in members:
                members.remove(user)

    # ----------------------------------------------------------------- reading
    def _channel(self, ref: str) -> Channel:
        found = self._ws.find_channel(ref)
        if found is None:
            names = sorted(f"{c.name} ({c.id})" for c in self._ws.channels.values())
            raise KeyError(f"no channel {ref!r}; known: {', '.join(names)}")
        return found

    def channel(self, name_or_id: str) -> dict[str, Any] | None:
        """conversations.info-style snapshot (plus ``members``), or None."""
        with self._ws.lock:
            found = self._ws.find_channel(name_or_id)
            if found is None:
                return None
            data = found.to_api(self._ws.config.bot_user_id, self._ws.config.team_id)
            data["members"] = list(found.members)
            return data

    def messages(self, channel: str, *, include_replies: bool = True) -> list[dict[str, Any]]:
        """Current messages (after updates/deletes), oldest first."""
        with self._ws.lock:
            found = self._channel(channel).messages
            kept = [m for m in found if include_replies or m.get("thread_ts") in (None, m["ts"])]
            return copy.deepcopy(kept)

    def ephemerals(self, channel: str) -> list[dict[str, Any]]:
        with self._ws.lock:
            return copy.deepcopy(self._channel(channel).ephemerals)

    def pins(self, channel: str) -> list[str]:
        """Timestamps of pinned messages, in pin order."""
        with self._ws.lock:
            return list(self._channel(channel).pins)

    def topic(self, channel: str) -> str:
        with self._ws.lock:
            return str(self._channel(channel).topic["value"])

    def purpose(self, channel: str) -> str:
        with self._ws.lock:
            return str(self._channel(channel).purpose["value"])

    def members(self, channel: str) -> list[str]:
        with self._ws.lock:
            return list(self._channel(channel).members)

    def bookmarks(self, channel: str) -> list[dict[str, Any]]:
        with self._ws.lock:
            return copy.deepcopy(self._channel(channel).bookmarks)

    def files(self) -> list[StoredFile]:
        """Files whose upload was completed (shared or private), in upload order."""
        with self._ws.lock:
            return [dataclasses.replace(f) for f in self._ws.files.values() if f.completed]

    def views(self) -> list[dict[str, Any]]:
        """Every view opened, pushed, updated or published (latest version of each)."""
        with self._ws.lock:
            return copy.deepcopy(list(self._ws.views.values()))

    def view(self, view_id: str) -> dict[str, Any] | None:
        with self._ws.lock:
            found = self._ws.views.get(view_id)
            return copy.deepcopy(found) if found is not None else None

    def user(self, user_id: str) -> dict[str, Any] | None:
        with self._ws.lock:
            found = self._ws.users.get(user_id)
            return found.to_api(self._ws.config.team_id) if found is not None else None

    def dm_channel_id(self, user_id: str) -> str | None:
        """The bot's DM channel with ``user_id``, if one has been opened."""
        with self._ws.lock:
            return self._ws.dms.get(user_id)
