"""Talking to Slack: post, edit, reply. One place that knows the Web API's shapes and errors."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.slack.client import make_webhook_client
from bot.slack.pacing import ChannelPacer
from bot.slack.render import Message

log = logging.getLogger(__name__)


def error_name(exc: BaseException) -> str:
    """Slack's error code for an API error (``name_taken``), else the exception's kind."""
    if isinstance(exc, SlackApiError):
        return str(exc.response.get("error") or f"http_{exc.response.status_code}")
    return type(exc).__name__


class SlackGateway:
    def __init__(self, client: WebClient, pace: float = 1.0) -> None:
        self.client = client
        self.pacer = ChannelPacer(pace)

    def post(self, channel: str, message: Message, **extra: Any) -> tuple[str, str]:
        """Post a message (paced per channel); returns its (channel id, ts)."""
        self.pacer.wait(channel)
        reply = self.client.chat_postMessage(channel=channel, **message.as_kwargs(), **extra)
        return str(reply["channel"]), str(reply["ts"])

    def update(self, channel: str, ts: str, message: Message) -> None:
        self.client.chat_update(channel=channel, ts=ts, **message.as_kwargs())

    def reply(self, response_url: str, message: Message) -> None:
        """An ephemeral reply through a command's response_url (works in any channel, for 30 minutes)."""
        response = make_webhook_client(response_url).send(
            response_type="ephemeral", replace_original=False, **message.as_kwargs()
        )
        if response.status_code >= 400:
            log.warning("response_url replied %s: %s", response.status_code, response.body)

    def dm(self, user: str, message: Message) -> None:
        self.post(user, message)

    def create_channel(self, name: str, is_private: bool = False) -> str | None:
        """Create a channel; ``None`` when the name is taken."""
        try:
            reply = self.client.conversations_create(name=name, is_private=is_private)
        except SlackApiError as exc:
            if error_name(exc) == "name_taken":
                return None
            raise
        return str(reply["channel"]["id"])

    def invite(self, channel: str, users: list[str]) -> None:
        """Invite people who are not in the channel yet; people already in it are fine."""
        for user in dict.fromkeys(users):
            try:
                self.client.conversations_invite(channel=channel, users=user)
            except SlackApiError as exc:
                if error_name(exc) not in ("already_in_channel", "cant_invite_self"):
                    raise

    def set_topic(self, channel: str, topic: str) -> None:
        self.client.conversations_setTopic(channel=channel, topic=topic)

    def pin(self, channel: str, ts: str) -> None:
        try:
            self.client.pins_add(channel=channel, timestamp=ts)
        except SlackApiError as exc:
            if error_name(exc) != "already_pinned":
                raise

    def user(self, user_id: str) -> dict[str, Any] | None:
        """The user's profile, or None when Slack does not know them."""
        try:
            reply = self.client.users_info(user=user_id)
        except SlackApiError as exc:
            if error_name(exc) == "user_not_found":
                return None
            raise
        user = reply.get("user")
        return user if isinstance(user, dict) else None

    def usergroup_members(self, group_id: str) -> set[str]:
        reply = self.client.usergroups_users_list(usergroup=group_id)
        return {str(u) for u in reply.get("users") or []}

    def bot_user_id(self) -> str:
        return str(self.client.auth_test()["user_id"])

    def message(self, channel: str, ts: str) -> dict[str, Any] | None:
        """One message by its ts, in the channel or in a thread."""
        reply = self.client.conversations_history(channel=channel, latest=ts, inclusive=True, limit=1)
        for message in reply.get("messages") or []:
            if message.get("ts") == ts:
                return dict(message)
        try:
            reply = self.client.conversations_replies(channel=channel, ts=ts, limit=1, inclusive=True)
        except SlackApiError as exc:
            if error_name(exc) == "thread_not_found":
                return None
            raise
        return next((dict(m) for m in reply.get("messages") or [] if m.get("ts") == ts), None)

    def upload(self, channel: str, filename: str, content: str, title: str, comment: str) -> str | None:
        """Upload a text file into the channel (files.getUploadURLExternal + completeUploadExternal).

        Returns the file's permalink when Slack gives one.
        """
        reply = self.client.files_upload_v2(
            channel=channel, filename=filename, content=content, title=title, initial_comment=comment
        )
        file = reply.get("file") or (reply.get("files") or [{}])[0]
        if not isinstance(file, dict):
            return None
        if not file.get("permalink") and file.get("id"):
            file = self.client.files_info(file=file["id"]).get("file") or {}
        link = file.get("permalink")
        return str(link) if link else None

    def bookmark(self, channel: str, title: str, link: str) -> str:
        """Add a link bookmark to the channel; returns the bookmark's id."""
        reply = self.client.bookmarks_add(channel_id=channel, title=title, type="link", link=link)
        return str((reply.get("bookmark") or {}).get("id") or "")

    def find_channel(self, name: str) -> dict[str, Any] | None:
        """A channel by name (public or private the bot can see), or None."""
        cursor = None
        while True:
            reply = self.client.conversations_list(
                types="public_channel,private_channel", exclude_archived=True, limit=200, cursor=cursor
            )
            for channel in reply.get("channels") or []:
                if channel.get("name") == name:
                    return dict(channel)
            cursor = (reply.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return None

    def members(self, channel: str) -> set[str]:
        members: set[str] = set()
        cursor = None
        while True:
            reply = self.client.conversations_members(channel=channel, limit=1000, cursor=cursor)
            members.update(str(m) for m in reply.get("members") or [])
            cursor = (reply.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return members
