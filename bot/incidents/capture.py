"""The timeline by hand: notes, and Slack messages captured with their original time and author."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.config.policy import Policy
from bot.db.engine import transaction
from bot.db.models import TimelineEvent
from bot.errors import InputError
from bot.incidents import effects, queries, timeline
from bot.text import clean_block

NOTE_MAX = 3000


def message_time(ts: str) -> datetime:
    """A Slack message ``ts`` ("1700000000.000100") as the UTC time it was posted."""
    return datetime.fromtimestamp(float(ts), tz=UTC)


def _key(channel: str, ts: str) -> str:
    return f"{channel}:{ts}"


def capture(
    sessions: sessionmaker[Session],
    incident_id: int,
    *,
    channel: str,
    ts: str,
    author: str | None,
    text: str,
    captured_by: str,
) -> bool:
    """Add a message to the timeline at its own time. False when it is there already."""
    text = clean_block(text)[:NOTE_MAX] or "(a message with no text)"
    try:
        with transaction(sessions) as session:
            incident = queries.lock(session, incident_id)
            event = timeline.record(
                session,
                incident,
                "message",
                message_time(ts),
                author,
                text=text,
                ts=ts,
                channel=channel,
                captured_by=captured_by,
            )
            event.source_key = _key(channel, ts)
    except IntegrityError:
        return False
    return True


def uncapture(sessions: sessionmaker[Session], channel: str, ts: str) -> bool:
    """Remove a captured message (its 📌 was taken off). False when it was not captured."""
    with transaction(sessions) as session:
        result = session.execute(delete(TimelineEvent).where(TimelineEvent.source_key == _key(channel, ts)))
        return bool(result.rowcount)  # type: ignore[attr-defined]


def note(
    sessions: sessionmaker[Session],
    incident_id: int,
    actor: str,
    text: str,
    now: datetime,
    source_key: str | None = None,
) -> bool:
    """Add a note; False when the same request (``source_key``) added it already."""
    text = clean_block(text)
    if not text:
        raise InputError({"text": "Write the note after the command, e.g. note Rolled back v2.3."})
    if len(text) > NOTE_MAX:
        raise InputError({"text": f"The note is {len(text)} characters; at most {NOTE_MAX} are allowed."})
    try:
        with transaction(sessions) as session:
            incident = queries.lock(session, incident_id)
            event = timeline.record(session, incident, "note", now, actor, text=text)
            event.source_key = source_key
    except IntegrityError:
        return False
    return True


def draft_postmortem(
    sessions: sessionmaker[Session], policy: Policy, incident_id: int, actor: str, now: datetime
) -> None:
    """The postmortem drafted from the database now, owed as a file in the incident channel."""
    with transaction(sessions) as session:
        incident = queries.lock(session, incident_id)
        event = timeline.record(session, incident, "postmortem_drafted", now, actor)
        session.flush()
        effects.upload_postmortem(session, policy, incident, f"e{event.id}", now, actor)
