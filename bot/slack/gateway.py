"""Talking to Slack: post, edit, reply. One place that knows the Web API's shapes and errors."""

from __future__ import annotations

import logging
import re
from typing import Any
from urllib.parse import urlsplit

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.rendering import Message
from bot.slack.client import make_webhook_client

log = logging.getLogger(__name__)


def error_name(exc: BaseException) -> str:
    """Slack's error code for an API error (``name_taken``), else the exception's kind."""
    if isinstance(exc, SlackApiError):
        return str(exc.response.get("error") or f"http_{exc.response.status_code}")
    return type(exc).__name__


METADATA_TYPE = "incident_bot_effect"
# Where Slack's response URLs live (besides SLACK_API_URL's host: GovSlack, a local stand-in).
RESPONSE_HOSTS = frozenset({"hooks.slack.com", "hooks.slack-gov.com"})
_ID = re.compile(r"^[CGD][A-Z0-9]{2,}$")


def effect_metadata(key: str) -> dict[str, Any]:
    """Message metadata that names the effect a post delivers, so it can be found again."""
    return {"event_type": METADATA_TYPE, "event_payload": {"key": key}}


def carries(message: dict[str, Any], key: str) -> bool:
    metadata = message.get("metadata") or {}
    return (
        metadata.get("event_type") == METADATA_TYPE
        and (metadata.get("event_payload") or {}).get("key") == key
    )


class SlackGateway:
    def __init__(self, client: WebClient) -> None:
        self.client = client
        self._channel_ids: dict[str, str] = {}

    def post(self, channel: str, message: Message, **extra: Any) -> tuple[str, str]:
        """Post a message; returns its (channel id, ts)."""
        reply = self.client.chat_postMessage(channel=channel, **message.as_kwargs(), **extra)
        self._channel_ids.setdefault(channel, str(reply["channel"]))
        return str(reply["channel"]), str(reply["ts"])

    def channel_id(self, channel: str) -> str | None:
        """The id of a channel given by name or id, or of the bot's DM with a user (None: not found)."""
        if _ID.match(channel):
            return channel
        if channel not in self._channel_ids:
            if channel[:1] in "UW":
                found = self.client.conversations_open(users=channel)["channel"]["id"]
            else:
                named = self.find_channel(channel.removeprefix("#"))
                if named is None:
                    return None
                found = named["id"]
            self._channel_ids[channel] = str(found)
        return self._channel_ids[channel]

    def find_posted(
        self, channel: str, key: str, since: float, thread_ts: str | None = None, pages: int = 5
    ) -> tuple[str, str] | None:
        """The bot's message carrying ``key`` posted after ``since`` (a Unix time), if Slack has one."""
        channel_id = self.channel_id(channel)
        if channel_id is None:
            return None
        try:
            return self._find_posted(channel_id, key, since, thread_ts, pages)
        except SlackApiError as exc:
            # posting to a public channel needs no membership, reading it does: join, look again
            if error_name(exc) != "not_in_channel" or not self.join(channel_id):
                raise
        return self._find_posted(channel_id, key, since, thread_ts, pages)

    def _find_posted(
        self, channel_id: str, key: str, since: float, thread_ts: str | None, pages: int
    ) -> tuple[str, str] | None:
        cursor = None
        for _ in range(pages):
            args: dict[str, Any] = {
                "channel": channel_id,
                "oldest": f"{since:.6f}",
                "limit": 200,
                "include_all_metadata": True,
                "cursor": cursor,
            }
            if thread_ts:
                reply = self.client.conversations_replies(ts=thread_ts, **args)
            else:
                reply = self.client.conversations_history(**args)
            for message in reply.get("messages") or []:
                if carries(message, key):
                    return channel_id, str(message["ts"])
            cursor = (reply.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return None
        return None

    def join(self, channel: str) -> bool:
        """Join a public channel the bot was removed from; False when it cannot (private, gone)."""
        channel_id = self.channel_id(channel)
        if channel_id is None:
            return False
        try:
            self.client.conversations_join(channel=channel_id)
        except SlackApiError as exc:
            if error_name(exc) in (
                "method_not_supported_for_channel_type",
                "channel_not_found",
                "is_archived",
            ):
                return False
            raise
        return True

    def open_view(self, trigger_id: str, view: dict[str, Any]) -> None:
        """Open a form (a trigger id works once, for 3 seconds)."""
        self.client.views_open(trigger_id=trigger_id, view=view)

    def publish_home(self, user: str, view: dict[str, Any]) -> None:
        """Show ``view`` in the person's Home tab of the bot."""
        self.client.views_publish(user_id=user, view=view)

    def update(self, channel: str, ts: str, message: Message) -> None:
        self.client.chat_update(channel=channel, ts=ts, **message.as_kwargs())

    def replies_to(self, response_url: str) -> bool:
        """Whether ``response_url`` is one of Slack's own (a request could carry any URL: the bot never
        posts anywhere else)."""
        parts = urlsplit(response_url)
        api_host = urlsplit(self.client.base_url).netloc
        return parts.scheme in ("https", "http") and (
            (parts.netloc in RESPONSE_HOSTS and parts.scheme == "https") or parts.netloc == api_host
        )

    def reply(self, response_url: str, message: Message) -> bool:
        """An ephemeral reply through a command's response_url (works in any channel, for 30 minutes).
        False when the URL no longer takes replies, or is not Slack's."""
        if not self.replies_to(response_url):
            log.warning("refused to reply to %s: not a Slack response URL", urlsplit(response_url).netloc)
            return False
        response = make_webhook_client(response_url).send(
            response_type="ephemeral", replace_original=False, **message.as_kwargs()
        )
        if response.status_code >= 400:
            log.warning("response_url replied %s: %s", response.status_code, response.body)
            return False
        return True

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

    def user_by_email(self, email: str) -> str | None:
        """The Slack user with this email (``users.lookupByEmail``), or None when there is none."""
        try:
            reply = self.client.users_lookupByEmail(email=email)
        except SlackApiError as exc:
            if error_name(exc) == "users_not_found":
                return None
            raise
        return str((reply.get("user") or {}).get("id") or "") or None

    def usergroup_members(self, group_id: str) -> set[str]:
        reply = self.client.usergroups_users_list(usergroup=group_id)
        return {str(u) for u in reply.get("users") or []}

    def bot_info(self, bot_id: str) -> dict[str, Any] | None:
        """``bots.info``: the bot's app and user."""
        bot = self.client.bots_info(bot=bot_id).get("bot")
        return dict(bot) if isinstance(bot, dict) else None

    def identity(self) -> dict[str, Any]:
        """``auth.test``: the bot's user id, its team and (when Slack says) its app."""
        return dict(self.client.auth_test().data)  # type: ignore[arg-type]

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

    def bookmark(self, channel: str, title: str, link: str, look_first: bool = False) -> str:
        """Add a link bookmark to the channel; returns the bookmark's id. ``look_first``: an earlier
        attempt may have added it, so an existing bookmark of the same link is taken instead."""
        if look_first:
            for existing in self.client.bookmarks_list(channel_id=channel).get("bookmarks") or []:
                if existing.get("link") == link:
                    return str(existing.get("id") or "")
        reply = self.client.bookmarks_add(channel_id=channel, title=title, type="link", link=link)
        return str((reply.get("bookmark") or {}).get("id") or "")

    def find_file(self, channel: str, filename: str, since: float) -> str | None:
        """The permalink of a file named ``filename`` shared in the channel after ``since``."""
        reply = self.client.conversations_history(channel=channel, oldest=f"{since:.6f}", limit=200)
        for message in reply.get("messages") or []:
            for file in message.get("files") or []:
                if file.get("name") == filename and file.get("permalink"):
                    return str(file["permalink"])
        return None

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
