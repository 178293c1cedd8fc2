"""Status updates, status and severity changes: each committed with its timeline event and the
reminder clock it resets."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.config.policy import Policy, Severity
from bot.db.engine import transaction
from bot.db.models import ENDED_STATUSES, OPEN_STATUSES, Incident, Status, StatusUpdate
from bot.errors import InputError
from bot.incidents import effects, escalation, permissions, queries, timeline, work
from bot.text import clean_block, clean_line

UPDATE_MAX = 2500
EXPECTED_MAX = 200
REASON_MAX = 300
NEXT_UPDATE_CHOICES = ("5m", "10m", "15m", "30m", "1h", "2h", "4h", "8h", "1d")


class Closed(Exception):
    """The incident is resolved: updates, status and severity changes wait for a reopen."""

    def __init__(self, ref: str, status: str) -> None:
        super().__init__(f"{ref} is {status.lower()}; reopen it first.")
        self.ref, self.status = ref, status


@dataclass(frozen=True)
class PostedUpdate:
    incident: Incident
    update: StatusUpdate
    status_changed_from: str | None


def parse_status(text: str) -> Status:
    """An open status from what someone typed (any case); InputError lists what is allowed."""
    wanted = text.strip().lower()
    for status in OPEN_STATUSES:
        if status.value.lower() == wanted:
            return status
    allowed = ", ".join(s.value for s in OPEN_STATUSES)
    if wanted == Status.RESOLVED.value.lower():
        raise InputError({"status": "An incident is resolved with what happened, not by a status change."})
    raise InputError({"status": f"{text.strip() or 'Nothing'} is not a status; choose one of {allowed}."})


def _load_open(session: Session, incident_id: int) -> Incident:
    incident = queries.lock(session, incident_id)
    if incident.status in (s.value for s in ENDED_STATUSES):
        raise Closed(incident.ref, incident.status)
    return incident


def cadence(policy: Policy, incident: Incident) -> timedelta | None:
    severity = policy.find_severity(incident.severity)
    return severity.update_cadence if severity else None


def plan_reminder(session: Session, policy: Policy, incident: Incident, next_at: datetime | None) -> None:
    """Promise the next update at ``next_at`` and make its reminder due then (none without a cadence)."""
    if cadence(policy, incident) is None or next_at is None:
        incident.next_update_at = None
        work.cancel(session, incident.id, work.UPDATE_REMINDER)
        return
    incident.next_update_at = next_at
    work.schedule(session, incident.id, work.UPDATE_REMINDER, next_at)


def post_update(
    sessions: sessionmaker[Session],
    policy: Policy,
    incident_id: int,
    *,
    author: str,
    text: str,
    now: datetime,
    status: Status | None = None,
    impact: str | None = None,
    expected: str = "",
    next_in: timedelta | None = None,
    source_key: str | None = None,
) -> PostedUpdate | None:
    """Record an update; None when ``source_key`` was already posted (a double submit)."""
    text, expected = clean_block(text), clean_line(expected)
    errors: dict[str, str] = {}
    if not text:
        errors["text"] = "Say what changed: the update text is required."
    if len(text) > UPDATE_MAX:
        errors["text"] = f"The update is {len(text)} characters; at most {UPDATE_MAX} are allowed."
    if len(expected) > EXPECTED_MAX:
        errors["expected"] = f"The expected resolution is {len(expected)} characters; at most {EXPECTED_MAX}."
    if impact is not None and len(clean_block(impact)) > 1500:
        errors["impact"] = "The impact is too long; at most 1500 characters are allowed."
    if errors:
        raise InputError(errors)
    try:
        with transaction(sessions) as session:
            incident = _load_open(session, incident_id)
            effects.close_reminder(session, policy, incident, f"update:{now.isoformat()}", now)
            previous = incident.status
            if status is not None and status.value != previous:
                incident.status = status.value
                timeline.record(
                    session, incident, "status_changed", now, author, status=status.value, previous=previous
                )
            if impact is not None and clean_block(impact):
                incident.impact = clean_block(impact)
            step = next_in or cadence(policy, incident)
            next_at = now + step if step and cadence(policy, incident) else None
            plan_reminder(session, policy, incident, next_at)
            update = StatusUpdate(
                incident_id=incident.id,
                at=now,
                author=author,
                status=incident.status,
                impact=incident.impact,
                text=text,
                expected_resolution=expected,
                next_update_at=next_at,
                source_key=source_key,
            )
            session.add(update)
            session.flush()
            timeline.record(
                session, incident, "update_posted", now, author, update_id=update.id, status=incident.status
            )
            changed_from = previous if incident.status != previous else None
            _owe_update(session, policy, incident, update, changed_from, now)
    except IntegrityError:
        if source_key and _posted(sessions, source_key):
            return None
        raise
    with sessions() as session:
        return PostedUpdate(
            session.get_one(Incident, incident_id), session.get_one(StatusUpdate, update.id), changed_from
        )


def _owe_update(
    session: Session,
    policy: Policy,
    incident: Incident,
    update: StatusUpdate,
    changed_from: str | None,
    now: datetime,
) -> None:
    """The update in the incident channel and, unless the incident is private, under its
    announcement (or in the announcement channel); the announcements and topic edited."""
    places: list[tuple[str, str | None]] = [(effects.INCIDENT, None)]
    if not incident.is_private:
        places.append((effects.ANNOUNCEMENTS, effects.ANNOUNCEMENTS if policy.updates_in_thread else None))
    for place, thread in places:
        effects.post(
            session, policy, incident, place, "update", f"u{update.id}", now,
            actor=update.author, thread=thread, update_id=update.id, changed_from=changed_from,
        )  # fmt: skip
    effects.refresh(session, policy, incident, now)


def _posted(sessions: sessionmaker[Session], source_key: str) -> bool:
    with sessions() as session:
        return (
            session.scalars(select(StatusUpdate.id).where(StatusUpdate.source_key == source_key)).first()
            is not None
        )


def set_status(
    sessions: sessionmaker[Session],
    policy: Policy,
    incident_id: int,
    status: Status,
    actor: str,
    now: datetime,
) -> tuple[Incident, str | None]:
    """Change the status; returns (incident, previous status) or (incident, None) when unchanged."""
    with transaction(sessions) as session:
        incident = _load_open(session, incident_id)
        previous = incident.status
        if previous == status.value:
            return incident, None
        incident.status = status.value
        event = timeline.record(
            session, incident, "status_changed", now, actor, status=status.value, previous=previous
        )
        effects.change(session, policy, incident, event, now)
    with sessions() as session:
        return session.get_one(Incident, incident_id), previous


def check_severity_change(policy: Policy, previous: str, wanted: str, reason: str) -> tuple[Severity, bool]:
    """The severity asked for and whether it raises the incident's. InputError when ``wanted`` is no
    severity, or a lowering comes without a reason, or the reason is too long."""
    severity = policy.find_severity(wanted)
    if severity is None:
        allowed = ", ".join(f"{s.key} ({s.label})" for s in policy.severities)
        raise InputError(
            {"severity": f"{wanted.strip() or 'Nothing'} is not a severity; choose one of {allowed}."}
        )
    rank = policy.severity_keys
    upgrade = previous not in rank or rank.index(severity.key) < rank.index(previous)
    reason = clean_line(reason)
    if severity.key != previous and not upgrade and not reason:
        raise InputError(
            {"reason": f"Lowering the severity from {previous} to {severity.key} needs a reason."}
        )
    if len(reason) > REASON_MAX:
        raise InputError(
            {"reason": f"The reason is {len(reason)} characters; at most {REASON_MAX} are allowed."}
        )
    return severity, upgrade


@dataclass(frozen=True)
class SeverityChange:
    incident: Incident
    previous: str
    upgrade: bool


def change_severity(
    sessions: sessionmaker[Session],
    policy: Policy,
    incident_id: int,
    severity_text: str,
    actor: str,
    now: datetime,
    reason: str = "",
    is_admin: bool = False,
) -> SeverityChange | None:
    """Change the severity (a downgrade needs a reason); re-plans the update reminder. None: unchanged."""
    reason = clean_line(reason)
    with transaction(sessions) as session:
        incident = _load_open(session, incident_id)
        permissions.check(policy, "severity", incident, actor, is_admin)
        previous = incident.severity
        severity, upgrade = check_severity_change(policy, previous, severity_text, reason)
        if previous == severity.key:
            return None
        incident.severity = severity.key
        event = timeline.record(
            session,
            incident,
            "severity_changed",
            now,
            actor,
            severity=severity.key,
            previous=previous,
            reason=reason,
        )
        # The promise follows the new cadence, counted from the last update (or the declaration).
        new_cadence = severity.update_cadence
        last = session.scalars(
            select(StatusUpdate.at)
            .where(StatusUpdate.incident_id == incident.id)
            .order_by(StatusUpdate.at.desc())
        ).first()
        next_at = max(now, (last or incident.declared_at) + new_cadence) if new_cadence else None
        plan_reminder(session, policy, incident, next_at)
        escalation.plan(session, policy, incident, now)
        effects.change(session, policy, incident, event, now)
        if upgrade and policy.announces_to_leadership(incident.severity):
            effects.announce(session, policy, incident, effects.LEADERSHIP, now)
        bridge = policy.bridge_for(incident.severity)
        if bridge:  # raised to a severity that runs on a bridge
            effects.bookmark(session, policy, incident, "Bridge", bridge, now)
    with sessions() as session:
        return SeverityChange(session.get_one(Incident, incident_id), previous, upgrade)


@dataclass(frozen=True)
class Snooze:
    snoozed: bool  # False: the reminder was already further away (or none is pending)
    due: datetime | None  # when the reminder comes now


def snooze(
    sessions: sessionmaker[Session], incident_id: int, actor: str, delay: timedelta, now: datetime
) -> Snooze:
    """Delay the pending update reminder once; the cadence and the promised time stay."""
    with transaction(sessions) as session:
        incident = _load_open(session, incident_id)
        due = work.due_at(session, incident.id, work.UPDATE_REMINDER)
        if due is None or due >= now + delay:
            return Snooze(False, due)  # nothing pending, or an update already moved it later
        work.schedule(session, incident.id, work.UPDATE_REMINDER, now + delay)
        timeline.record(
            session, incident, "reminder_snoozed", now, actor, minutes=int(delay.total_seconds() // 60)
        )
    return Snooze(True, now + delay)


def latest(session: Session, incident_id: int) -> StatusUpdate | None:
    return session.scalars(_latest(), {"incident": incident_id}).first()


@functools.cache
def _latest() -> Any:
    """Built once: every reminder sent asks."""
    return (
        select(StatusUpdate)
        .where(StatusUpdate.incident_id == bindparam("incident"))
        .order_by(StatusUpdate.at.desc(), StatusUpdate.id.desc())
        .limit(1)
    )
