"""What the bot has made in Slack for an incident: its channel and the messages it edits later.

Slack-side bookkeeping, written by the delivery workers when Slack confirms something, never by
the domain.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.config.policy import Policy
from bot.db.models import Incident
from bot.incidents import effects, external, timeline


def channel_created(
    session: Session, policy: Policy, incident: Incident, channel_id: str, name: str, now: datetime
) -> None:
    """Record the incident's channel; an announcement elsewhere may already say "channel pending"
    (or be rendering it right now, on another worker), so every announcement is edited to link it:
    an edit waits behind its post in the same lane, so it always comes after."""
    incident.channel_id, incident.channel_name = channel_id, name
    timeline.record(session, incident, "channel_created", now, None, channel=channel_id, name=name)
    effects.refresh(session, policy, incident, now)


def record_message(session: Session, incident_id: int, purpose: str, channel_id: str, ts: str) -> None:
    """Remember a message to edit later (its external reference, once per purpose)."""
    external.record(session, incident_id, effects.CHAT, purpose, ts, container=channel_id)


def channel_in_use(session: Session, channel_id: str) -> bool:
    return session.scalars(select(Incident.id).where(Incident.channel_id == channel_id)).first() is not None
