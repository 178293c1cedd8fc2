"""Questions about people that only Slack can answer: can this user hold a role, is this an admin."""

from __future__ import annotations

from functools import cached_property

from bot.db.models import Incident
from bot.policy import Admins
from bot.slack.gateway import SlackGateway


class People:
    def __init__(self, slack: SlackGateway, admins: Admins) -> None:
        self.slack = slack
        self.admins = admins

    @cached_property
    def bot_user(self) -> str:
        return self.slack.bot_user_id()

    def why_not_assignable(self, user_id: str) -> str | None:
        """Why ``user_id`` cannot hold a role (a bot, the app itself, deactivated, unknown), or None."""
        if user_id == self.bot_user:
            return "I can't hold an incident role myself; pick a person."
        user = self.slack.user(user_id)
        if user is None:
            return f"Slack does not know the user {user_id}; pick someone from the workspace."
        if user.get("deleted"):
            return f"<@{user_id}> is deactivated; pick someone who can respond."
        if user.get("is_bot") or user.get("is_app_user"):
            return f"<@{user_id}> is a bot; roles are for people."
        return None

    def can_see(self, incident: Incident, user_id: str) -> bool:
        """Whether ``user_id`` may see a private incident: its declarer, role holders, channel members."""
        if not incident.is_private or user_id == incident.declared_by:
            return True
        if any(r.user_id == user_id for r in incident.roles):
            return True
        return bool(incident.channel_id) and user_id in self.slack.members(incident.channel_id or "")

    def is_admin(self, user_id: str) -> bool:
        if user_id in self.admins.users:
            return True
        return any(user_id in self.slack.usergroup_members(group) for group in self.admins.usergroups)
