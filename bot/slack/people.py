"""Questions about people that only Slack can answer: can this user hold a role, is this an admin."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import date, datetime, tzinfo
from functools import cached_property, partial
from typing import Any, TypeVar, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from slack_sdk.errors import SlackApiError

from bot.config.policy import Admins
from bot.slack.gateway import SlackGateway

log = logging.getLogger(__name__)

T = TypeVar("T")


CACHE_SECONDS = 60.0


class People:
    """Answers are kept for a minute: a burst of clicks asks Slack once, inside Slack's 3 seconds."""

    def __init__(self, slack: SlackGateway, admins: Admins) -> None:
        self.slack = slack
        self.admins = admins
        self._cache: dict[tuple[str, str], tuple[float, Any]] = {}

    def _cached(self, kind: str, key: str, fetch: Callable[[], T]) -> T:
        now = time.monotonic()
        hit = self._cache.get((kind, key))
        if hit is not None and now - hit[0] < CACHE_SECONDS:
            return cast(T, hit[1])
        value = fetch()
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[(kind, key)] = (now, value)
        return value

    @cached_property
    def identity(self) -> dict[str, Any]:
        """Who the bot is (``auth.test``): its user, team and app."""
        return self.slack.identity()

    @cached_property
    def app_id(self) -> str | None:
        """The bot's app (``bots.info`` of the token's bot: ``auth.test`` does not always say)."""
        if self.identity.get("app_id"):
            return str(self.identity["app_id"])
        bot_id = self.identity.get("bot_id")
        if not bot_id:
            return None
        found = self._cached("bot", str(bot_id), lambda: self.slack.bot_info(str(bot_id)))
        return str(found["app_id"]) if found and found.get("app_id") else None

    @property
    def bot_user(self) -> str:
        return str(self.identity["user_id"])

    def why_not_assignable(self, user_id: str) -> str | None:
        """Why ``user_id`` cannot hold a role (a bot, the app itself, deactivated, unknown), or None."""
        if user_id == self.bot_user:
            return "I can't hold an incident role myself; pick a person."
        user = self._cached("user", user_id, lambda: self.slack.user(user_id))
        if user is None:
            return f"Slack does not know the user {user_id}; pick someone from the workspace."
        if user.get("deleted"):
            return f"<@{user_id}> is deactivated; pick someone who can respond."
        if user.get("is_bot") or user.get("is_app_user"):
            return f"<@{user_id}> is a bot; roles are for people."
        return None

    def by_email(self, email: str) -> str | None:
        """The Slack user with this email (None: no Slack account), cached a little."""
        return self._cached("email", email.lower(), lambda: self.slack.user_by_email(email))

    def email_of(self, user_id: str) -> str | None:
        """A person's email from their Slack profile (None when Slack does not say)."""
        user = self._cached("user", user_id, lambda: self.slack.user(user_id))
        email = ((user or {}).get("profile") or {}).get("email")
        return str(email) if email else None

    def timezone_of(self, user_id: str) -> str | None:
        """A person's time zone from their Slack profile (``America/New_York``; None when unknown)."""
        user = self._cached("user", user_id, lambda: self.slack.user(user_id))
        zone = (user or {}).get("tz")
        return str(zone) if zone else None

    def today(self, user_id: str, now: datetime, fallback: tzinfo) -> date:
        """The person's own day (their Slack time zone; ``fallback`` when Slack does not say)."""
        zone = fallback
        try:
            named = self.timezone_of(user_id) if user_id else None
            zone = ZoneInfo(named) if named else zone
        except (SlackApiError, ZoneInfoNotFoundError, ValueError) as exc:
            log.info("the time zone of %s is unknown (%s); using the policy's", user_id, exc)
        return now.astimezone(zone).date()

    def in_channel(self, user_id: str, channel: str) -> bool:
        """Whether ``user_id`` is a member of ``channel`` (Slack's member list, cached a little)."""
        return user_id in self._cached("members", channel, partial(self.slack.members, channel))

    def is_admin(self, user_id: str) -> bool:
        if user_id in self.admins.users:
            return True
        return any(
            user_id in self._cached("group", group, partial(self.slack.usergroup_members, group))
            for group in self.admins.usergroups
        )
