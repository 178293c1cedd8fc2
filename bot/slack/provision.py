"""The Slack side of a declared incident: channel, members, topic, announcements, pin.

Every step checks what is already done (in the database) first, so running it again after a
failure or a crash finishes the job without doing anything twice. The incident itself is already
committed before this runs: a Slack failure here never loses it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from bot.context import Context
from bot.db.models import Incident
from bot.incidents import slack_state
from bot.policy import COMMANDER_ROLE
from bot.slack import announcements
from bot.slack.naming import channel_name
from bot.slack.steps import Steps

log = logging.getLogger(__name__)

MAX_NAME_TRIES = 20


@dataclass
class Outcome:
    incident: Incident
    ran: bool = True
    steps: Steps = field(default_factory=lambda: Steps("provision"))

    @property
    def failures(self) -> list[tuple[str, str]]:
        return self.steps.failures

    @property
    def complete(self) -> bool:
        return self.ran and not self.failures


def provision(ctx: Context, incident_id: int) -> Outcome:
    """Do what is still owed on the Slack side of ``incident_id``; safe to call again at any time."""
    lease = timedelta(seconds=ctx.settings.slack_setup_lease)
    if not slack_state.take_lease(ctx.sessions, incident_id, ctx.clock(), lease):
        return Outcome(slack_state.load(ctx.sessions, incident_id), ran=False)
    incident = slack_state.load(ctx.sessions, incident_id)
    outcome = Outcome(incident, steps=RenewingSteps(ctx, incident.id, lease))
    try:
        _run(ctx, outcome)
    finally:
        retry = timedelta(seconds=ctx.settings.slack_retry_after) if outcome.failures else None
        slack_state.release_lease(ctx.sessions, incident_id, ctx.clock(), retry)
        outcome.incident = slack_state.load(ctx.sessions, incident_id)
    return outcome


class RenewingSteps(Steps):
    """Steps that renew the Slack-side lease before each one, so a slow Slack never lets a
    second worker start the same work while this one is still on it."""

    def __init__(self, ctx: Context, incident_id: int, lease: timedelta) -> None:
        super().__init__(f"incident {incident_id}")
        self.ctx, self.incident_id, self.lease = ctx, incident_id, lease

    def run(self, name: str, action: Callable[[], object]) -> bool:
        slack_state.renew_lease(self.ctx.sessions, self.incident_id, self.ctx.clock() + self.lease)
        return super().run(name, action)


def _run(ctx: Context, outcome: Outcome) -> None:
    had_broadcasts = any(m.purpose != "announcement" for m in outcome.incident.messages)
    created = False
    if outcome.incident.channel_id is None:
        created = outcome.steps.run("creating the channel", lambda: _create_channel(ctx, outcome))
    incident = outcome.incident
    if incident.channel_id is not None:
        channel = incident.channel_id
        members = [incident.declared_by, incident.holder(COMMANDER_ROLE) or incident.declared_by]
        members += slack_state.declared_responders(ctx.sessions, incident.id)
        outcome.steps.run("inviting people", lambda: ctx.slack.invite(channel, members))
        outcome.steps.run(
            "setting the topic",
            lambda: ctx.slack.set_topic(channel, announcements.topic(ctx, incident)),
        )
        if outcome.steps.run(
            "posting the announcement", lambda: _announce(ctx, outcome, "announcement", channel)
        ):
            outcome.steps.run("pinning the announcement", lambda: _pin(ctx, outcome))
    outcome.steps.run(
        "announcing in #" + ctx.policy.announcement_channel,
        lambda: _announce(ctx, outcome, "broadcast", ctx.policy.announcement_channel),
    )
    leadership = ctx.policy.leadership_channel
    if leadership and ctx.policy.announces_to_leadership(incident.severity):
        outcome.steps.run(
            "announcing in #" + leadership,
            lambda: _announce(ctx, outcome, "leadership", leadership),
        )
    if created and had_broadcasts:
        # Announcements posted before the channel existed say "channel pending": show the link now.
        outcome.steps.run("updating the announcements", lambda: announcements.refresh(ctx, outcome.incident))


def _create_channel(ctx: Context, outcome: Outcome) -> None:
    incident = outcome.incident
    for attempt in range(1, MAX_NAME_TRIES + 1):
        name = channel_name(
            ctx.policy.channel_prefix, incident.year, incident.number, incident.title, attempt
        )
        channel_id = ctx.slack.create_channel(name, is_private=incident.is_private) or _ours_already(
            ctx, name
        )
        if channel_id is not None:
            outcome.incident = slack_state.record_channel(
                ctx.sessions, incident.id, channel_id, name, ctx.clock()
            )
            return
    raise RuntimeError(f"no free channel name after {MAX_NAME_TRIES} tries")


def _ours_already(ctx: Context, name: str) -> str | None:
    """The channel named ``name`` if this bot made it and no incident has it: an earlier attempt
    created it and died before recording it (a crash, a timeout). Adopt it rather than orphan it."""
    channel = ctx.slack.find_channel(name)
    if channel is None or channel.get("creator") != ctx.people.bot_user:
        return None
    channel_id = str(channel["id"])
    return None if slack_state.channel_in_use(ctx.sessions, channel_id) else channel_id


def _announce(ctx: Context, outcome: Outcome, purpose: str, channel: str) -> None:
    outcome.incident = announcements.post_once(ctx, outcome.incident, purpose, channel)


def _pin(ctx: Context, outcome: Outcome) -> None:
    stored = outcome.incident.message("announcement")
    if stored is not None:
        ctx.slack.pin(stored.channel_id, stored.ts)
