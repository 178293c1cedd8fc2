"""Follow-ups: action items with an owner and a due date, reminded until done."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.config.policy import Policy
from bot.db.engine import transaction
from bot.db.models import ActionItem, Incident
from bot.errors import InputError, NotFound
from bot.incidents import effects, queries, tickets, timeline, work
from bot.text import clean_line

TEXT_MAX = 500


@dataclass(frozen=True)
class Parsed:
    text: str
    owner: str | None
    due: date | None


WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_IN = re.compile(r"in\s+(\d{1,3})\s+(day|week)s?", re.IGNORECASE)
DUE_FORMS = "YYYY-MM-DD, today, tomorrow, a weekday (friday), or in N days or weeks"


def due_phrase(text: str, today: date) -> date | None:
    """The day a phrase names, counted from ``today`` (the person's own day), or None when it names
    none: ``2026-12-04``, ``today``, ``tomorrow``, ``friday`` or ``fri`` (the next one, today if it
    is one), ``in 3 days``, ``in 2 weeks``, ``next week``."""
    said = " ".join(text.strip().lower().split())
    try:
        return date.fromisoformat(said)
    except ValueError:
        pass
    if said in ("today", "tod"):
        return today
    if said in ("tomorrow", "tmrw", "tmr"):
        return today + timedelta(days=1)
    if said == "next week":
        return today + timedelta(days=7)
    day = next((n for n, name in enumerate(WEEKDAYS) if len(said) >= 3 and name.startswith(said)), None)
    if day is not None:
        return today + timedelta(days=(day - today.weekday()) % 7)
    counted = _IN.fullmatch(said)
    if counted:
        n = int(counted.group(1))
        return today + timedelta(days=n * (7 if counted.group(2).lower() == "week" else 1))
    return None


def parse_due(text: str, today: date) -> date:
    """A due date a person typed, read in their own day (``today``); InputError says what is allowed."""
    due = due_phrase(text, today)
    if due is None:
        raise InputError({"due": f"{text.strip()!r} is not a date; write {DUE_FORMS}."})
    if due < today:
        raise InputError({"due": f"{due.isoformat()} is in the past; pick today or a later day."})
    return due


def reminder_time(due: date, zone: str, start: time) -> datetime:
    """When the owner is first reminded: the morning of the due day, in the working time zone."""
    return datetime.combine(due, start, tzinfo=ZoneInfo(zone))


def add(
    sessions: sessionmaker[Session],
    incident_id: int,
    *,
    text: str,
    owner: str | None,
    due: date | None,
    actor: str,
    now: datetime,
    remind_at: datetime | None,
    source_key: str | None = None,
    policy: Policy | None = None,
) -> ActionItem | None:
    """Add an item (None for a repeat of the same submission); schedules its reminder (and, given
    the policy, owes its ticket in the policy's tracker)."""
    text = clean_line(text)
    if not text:
        raise InputError(
            {"text": "Say what must be done, e.g. Add pool metrics (an owner and a due date are optional)."}
        )
    if len(text) > TEXT_MAX:
        raise InputError(
            {"text": f"The action item is {len(text)} characters; at most {TEXT_MAX} are allowed."}
        )
    try:
        with transaction(sessions) as session:
            incident = queries.lock(session, incident_id)
            item = ActionItem(
                incident_id=incident.id,
                text=text,
                owner=owner,
                due=due,
                created_by=actor,
                created_at=now,
                source_key=source_key,
            )
            session.add(item)
            session.flush()
            timeline.record(
                session, incident, "action_added", now, actor, text=text, owner=owner, item=item.id
            )
            if owner and remind_at:
                work.schedule(session, incident.id, work.FOLLOW_UP, remind_at, key=str(item.id))
            if policy is not None:
                tickets.owe_ticket(session, policy, incident, item.id, now)
    except IntegrityError:
        return None
    return item


def items(session: Session, incident_id: int) -> list[ActionItem]:
    query = select(ActionItem).where(ActionItem.incident_id == incident_id).order_by(ActionItem.id)
    return list(session.scalars(query))


def _item(session: Session, item_id: int) -> ActionItem:
    item = session.get(ActionItem, item_id, with_for_update=True)
    if item is None:
        raise NotFound(f"action item {item_id}")
    return item


def mark_done(
    sessions: sessionmaker[Session], item_id: int, actor: str, now: datetime, policy: Policy | None = None
) -> ActionItem | None:
    """Done; its reminders stop (and, given the policy, its ticket is closed). None when it was done
    already."""
    with transaction(sessions) as session:
        item = _item(session, item_id)
        if item.done_at is not None:
            return None
        item.done_at, item.done_by = now, actor
        work.cancel(session, item.incident_id, work.FOLLOW_UP, key=str(item.id))
        incident = queries.lock(session, item.incident_id)
        timeline.record(session, incident, "action_done", now, actor, item=item.id, text=item.text)
        if policy is not None:
            tickets.owe_close(session, policy, incident, item.id, now)
    return item


def reassign(
    sessions: sessionmaker[Session],
    item_id: int,
    owner: str,
    actor: str,
    now: datetime,
    remind_at: datetime | None,
) -> ActionItem | None:
    with transaction(sessions) as session:
        item = _item(session, item_id)
        if item.owner == owner or item.done_at is not None:
            return None
        item.owner = owner
        if remind_at:
            work.schedule(session, item.incident_id, work.FOLLOW_UP, max(remind_at, now), key=str(item.id))
        incident = queries.lock(session, item.incident_id)
        timeline.record(session, incident, "action_reassigned", now, actor, item=item.id, owner=owner)
    return item


def remind(
    session: Session, policy: Policy, incident: Incident, item_id: int, now: datetime
) -> datetime | None:
    """DM the owner of an open item that fell due; again a day later while it stays open."""
    item = session.get(ActionItem, item_id)
    if item is None or item.done_at is not None or not item.owner or item.due is None:
        return None
    today = now.astimezone(policy.tz).date()
    cause = f"followup:{item.id}:{today.isoformat()}"
    effects.tell(
        session, policy, incident, item.owner, "follow_up_reminder", cause, now,
        item_id=item.id, overdue=today > item.due,
    )  # fmt: skip
    return now + timedelta(days=1)


def load(sessions: sessionmaker[Session], item_id: int) -> ActionItem | None:
    with sessions() as session:
        return session.get(ActionItem, item_id)
