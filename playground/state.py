"""The in-memory workspace: users, channels (with messages, pins, bookmarks), files, views.

Every mutation happens while holding :attr:`Workspace.lock`; the Web API dispatcher takes it
around each method call and the facade's accessors take it around each read.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from playground.changes import ChangeCounter
from playground.errors import SlackError
from playground.ids import IdFactory
from playground.records import StoredFile


@dataclass
class WorkspaceConfig:
    bot_token: str = "xoxb-test"
    app_token: str = "xapp-test"
    team_id: str = "T0TEST"
    team_domain: str = "standin"
    team_name: str = "Stand-in Workspace"
    bot_user_id: str = "UBOT"
    bot_id: str = "BBOT"
    app_id: str = "A0TEST"
    trigger_ttl: float = 3.0
    http_base: str = "http://127.0.0.1:0"
    socket_url_factory: Callable[[], str] | None = None

    @property
    def team_url(self) -> str:
        return f"https://{self.team_domain}.slack.test/"


def _text_field(value: str = "", creator: str = "", last_set: int = 0) -> dict[str, Any]:
    return {"value": value, "creator": creator, "last_set": last_set}


@dataclass
class User:
    id: str
    name: str
    real_name: str = ""
    display_name: str = ""
    is_bot: bool = False
    deleted: bool = False
    tz: str = "UTC"
    email: str | None = None
    bot_id: str | None = None
    is_admin: bool = False

    def to_api(self, team_id: str) -> dict[str, Any]:
        profile: dict[str, Any] = {
            "real_name": self.real_name,
            "real_name_normalized": self.real_name,
            "display_name": self.display_name,
            "display_name_normalized": self.display_name,
            "team": team_id,
        }
        if self.email is not None:
            profile["email"] = self.email
        if self.bot_id is not None:
            profile["bot_id"] = self.bot_id
        return {
            "id": self.id,
            "team_id": team_id,
            "name": self.name,
            "real_name": self.real_name,
            "deleted": self.deleted,
            "is_bot": self.is_bot,
            "is_app_user": False,
            "is_admin": self.is_admin,
            "is_owner": False,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "tz": self.tz,
            "tz_label": self.tz,
            "tz_offset": 0,
            "updated": 1700000000,
            "profile": profile,
        }


@dataclass
class Channel:
    id: str
    name: str
    created: int
    creator: str
    is_private: bool = False
    is_im: bool = False
    im_user: str | None = None
    is_archived: bool = False
    members: list[str] = field(default_factory=list)
    topic: dict[str, Any] = field(default_factory=_text_field)
    purpose: dict[str, Any] = field(default_factory=_text_field)
    messages: list[dict[str, Any]] = field(default_factory=list)
    pins: list[str] = field(default_factory=list)
    bookmarks: list[dict[str, Any]] = field(default_factory=list)
    ephemerals: list[dict[str, Any]] = field(default_factory=list)

    def find_message(self, ts: str | None) -> dict[str, Any] | None:
        for message in self.messages:
            if message.get("ts") == ts:
                return message
        return None

    def to_api(self, bot_user_id: str, team_id: str) -> dict[str, Any]:
        if self.is_im:
            return {
                "id": self.id,
                "created": self.created,
                "is_im": True,
                "is_org_shared": False,
                "user": self.im_user,
                "is_archived": False,
                "context_team_id": team_id,
            }
        return {
            "id": self.id,
            "name": self.name,
            "name_normalized": self.name,
            "is_channel": not self.is_private,
            "is_group": False,
            "is_im": False,
            "is_mpim": False,
            "is_private": self.is_private,
            "created": self.created,
            "creator": self.creator,
            "is_archived": self.is_archived,
            "is_general": self.name == "general",
            "unlinked": 0,
            "is_shared": False,
            "is_ext_shared": False,
            "is_org_shared": False,
            "is_pending_ext_shared": False,
            "is_member": bot_user_id in self.members,
            "context_team_id": team_id,
            "topic": dict(self.topic),
            "purpose": dict(self.purpose),
            "previous_names": [],
            "num_members": len(self.members),
        }


@dataclass
class Usergroup:
    id: str
    handle: str
    name: str
    users: list[str] = field(default_factory=list)
    description: str = ""

    def to_api(self, team_id: str, include_users: bool) -> dict[str, Any]:
        group: dict[str, Any] = {
            "id": self.id,
            "team_id": team_id,
            "is_usergroup": True,
            "name": self.name,
            "description": self.description,
            "handle": self.handle,
            "is_external": False,
            "date_create": 1700000000,
            "date_update": 1700000000,
            "date_delete": 0,
            "auto_type": None,
            "created_by": "U0ALICE",
            "prefs": {"channels": [], "groups": []},
            "user_count": len(self.users),
        }
        if include_users:
            group["users"] = list(self.users)
        return group


@dataclass
class TriggerRecord:
    issued_at: float
    used: bool = False


class Workspace:
    """All mutable stand-in state plus the lookups Slack's methods share."""

    def __init__(self, config: WorkspaceConfig, ids: IdFactory | None = None) -> None:
        self.lock = threading.RLock()
        self.config = config
        self.ids = ids or IdFactory()
        self.users: dict[str, User] = {}
        self.channels: dict[str, Channel] = {}
        self.usergroups: dict[str, Usergroup] = {}
        self.files: dict[str, StoredFile] = {}
        self.views: dict[str, dict[str, Any]] = {}
        self.triggers: dict[str, TriggerRecord] = {}
        self.dms: dict[str, str] = {}
        self._by_name: dict[str, str] = {}
        self.changes = ChangeCounter()

    # ----------------------------------------------------------------- building
    def add_user(self, user: User) -> User:
        with self.lock:
            self.users[user.id] = user
        self.changes.bump()
        return user

    def add_channel(
        self,
        name: str,
        *,
        is_private: bool = False,
        members: Iterable[str] = (),
        channel_id: str | None = None,
        creator: str = "U0ALICE",
    ) -> Channel:
        with self.lock:
            if self.find_channel(name) is not None:
                raise ValueError(f"channel name already taken: {name}")
            cid = channel_id or self.ids.object_id("C")
            channel = Channel(cid, name, int(self.ids.now()), creator, is_private=is_private)
            channel.members.extend(dict.fromkeys(members))
            self.channels[cid] = channel
            self._by_name[name] = cid
        self.changes.bump()
        return channel

    def add_usergroup(
        self, handle: str, users: Iterable[str], name: str | None = None, group_id: str | None = None
    ) -> Usergroup:
        with self.lock:
            group = Usergroup(group_id or self.ids.object_id("S"), handle, name or handle, list(users))
            self.usergroups[group.id] = group
            return group

    # ----------------------------------------------------------------- lookups
    def find_channel(self, ref: str | None) -> Channel | None:
        """By id, or by name with or without a leading ``#``."""
        if not ref:
            return None
        with self.lock:
            if ref in self.channels:
                return self.channels[ref]
            name = ref.removeprefix("#")
            known = self.channels.get(self._by_name.get(name, ""))
            if known is not None and known.name == name:  # an index: thousands of channels in benchmarks
                return known
            for channel in self.channels.values():
                if not channel.is_im and channel.name == name:
                    self._by_name[name] = channel.id
                    return channel
        return None

    def is_member(self, channel: Channel, user_id: str | None = None) -> bool:
        return (user_id or self.config.bot_user_id) in channel.members

    def visible_channel(self, ref: str | None) -> Channel:
        """The channel as the bot can see it: private channels it is not in do not exist."""
        channel = self.find_channel(ref)
        if channel is None or (channel.is_private and not self.is_member(channel)):
            raise SlackError("channel_not_found")
        return channel

    def member_channel(self, ref: str | None, *, writable: bool = True) -> Channel:
        """A visible channel the bot belongs to (``not_in_channel``), unarchived if ``writable``."""
        channel = self.visible_channel(ref)
        if writable and channel.is_archived:
            raise SlackError("is_archived")
        if not self.is_member(channel):
            raise SlackError("not_in_channel")
        return channel

    def user(self, user_id: str | None) -> User:
        user = self.users.get(user_id or "")
        if user is None:
            raise SlackError("user_not_found")
        return user

    def message(self, channel: Channel, ts: str | None) -> dict[str, Any]:
        message = channel.find_message(ts)
        if message is None:
            raise SlackError("message_not_found")
        return message

    def dm_channel(self, user_id: str) -> Channel:
        """The bot's DM with ``user_id`` (opened on first use), like posting to a user id."""
        with self.lock:
            existing = self.dms.get(user_id)
            if existing is not None:
                return self.channels[existing]
            channel = Channel(self.ids.object_id("D"), user_id, int(self.ids.now()), self.config.bot_user_id)
            channel.is_im = True
            channel.is_private = True
            channel.im_user = user_id
            channel.members.extend([self.config.bot_user_id, user_id])
            self.channels[channel.id] = channel
            self.dms[user_id] = channel.id
            return channel

    # ----------------------------------------------------------------- triggers
    def issue_trigger(self) -> str:
        with self.lock:
            trigger_id = self.ids.trigger_id()
            self.triggers[trigger_id] = TriggerRecord(time.monotonic())
            return trigger_id

    def consume_trigger(self, trigger_id: str | None) -> None:
        """Accept a trigger id once, within ``trigger_ttl`` seconds of issue."""
        with self.lock:
            record = self.triggers.get(trigger_id or "")
            if record is None:
                raise SlackError("invalid_trigger_id")
            if record.used:
                raise SlackError("exchanged_trigger_id")
            if time.monotonic() - record.issued_at > self.config.trigger_ttl:
                raise SlackError("expired_trigger_id")
            record.used = True
