"""What the bot has done on the Slack side of an incident: its channel, its messages, whether it is done.

The Slack side of a declare is owed until ``slack_ready_at`` is set. Whoever does it first takes a
short lease on the incident, so the request that declared it and a scheduler tick on another
replica never create two channels.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot import work
from bot.db.engine import transaction
from bot.db.models import Incident, SlackMessage, TimelineEvent
from bot.incidents import timeline


def take_lease(sessions: sessionmaker[Session], incident_id: int, now: datetime, lease: timedelta) -> bool:
    """Atomically take the Slack-side lease; False when someone else holds it or it is done."""
    with transaction(sessions) as session:
        result = session.execute(
            update(Incident)
            .where(
                Incident.id == incident_id,
                Incident.slack_ready_at.is_(None),
                or_(Incident.slack_lease_until.is_(None), Incident.slack_lease_until < now),
            )
            .values(slack_lease_until=now + lease)
        )
        return bool(cast(CursorResult[Any], result).rowcount)


def renew_lease(sessions: sessionmaker[Session], incident_id: int, until: datetime) -> None:
    """Keep the lease while working: each step of a slow (rate-limited) Slack side renews it."""
    with transaction(sessions) as session:
        session.execute(
            update(Incident)
            .where(Incident.id == incident_id, Incident.slack_ready_at.is_(None))
            .values(slack_lease_until=until)
        )


def release_lease(
    sessions: sessionmaker[Session], incident_id: int, now: datetime, retry_after: timedelta | None
) -> None:
    """Mark the Slack side done (``retry_after`` None), or leave it owed and untouched until then."""
    if retry_after is None:
        values: dict[str, datetime | None] = {"slack_lease_until": None, "slack_ready_at": now}
    else:
        values = {"slack_lease_until": now + retry_after}
    with transaction(sessions) as session:
        session.execute(update(Incident).where(Incident.id == incident_id).values(**values))
        if retry_after is None:
            work.cancel(session, incident_id, work.SLACK_SETUP)


def record_channel(
    sessions: sessionmaker[Session], incident_id: int, channel_id: str, name: str, now: datetime
) -> Incident:
    with transaction(sessions) as session:
        incident = session.get_one(Incident, incident_id)
        incident.channel_id, incident.channel_name = channel_id, name
        timeline.record(session, incident, "channel_created", now, None, channel=channel_id, name=name)
    return load(sessions, incident_id)


def record_message(
    sessions: sessionmaker[Session], incident_id: int, purpose: str, channel_id: str, ts: str
) -> None:
    try:
        with transaction(sessions) as session:
            session.add(SlackMessage(incident_id=incident_id, purpose=purpose, channel_id=channel_id, ts=ts))
    except IntegrityError:
        pass  # already recorded: the same message, recorded by an earlier attempt


def load(sessions: sessionmaker[Session], incident_id: int) -> Incident:
    with sessions() as session:
        return session.get_one(Incident, incident_id)


def channel_in_use(sessions: sessionmaker[Session], channel_id: str) -> bool:
    with sessions() as session:
        return (
            session.scalars(select(Incident.id).where(Incident.channel_id == channel_id)).first() is not None
        )


def declared_responders(sessions: sessionmaker[Session], incident_id: int) -> list[str]:
    """The responders named in the declaration (invited to the channel with the declarer)."""
    with sessions() as session:
        query = select(TimelineEvent.details).where(
            TimelineEvent.incident_id == incident_id, TimelineEvent.kind == "declared"
        )
        details = session.scalars(query).first() or {}
    return [str(u) for u in details.get("responders") or []]
