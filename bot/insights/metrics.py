"""How one incident went, measured from its timeline (never from wall-clock guesses).

``measure`` is pure: it reads the incident's timeline events and status updates in order and
returns an ``IncidentMetrics``. Update promises follow the rules the bot keeps:

- the first update is promised at the declaration + the severity's update cadence;
- each update promises the next one (``StatusUpdate.next_update_at``);
- a severity change moves a promise not yet due to the new cadence (counted from the last update,
  or the declaration, and never before the change), as the bot does; a reopen promises one a
  cadence after it;
- an update settles the promise it answers: on time when it came no later than the promised time
  and no reminder went out first; late otherwise;
- a promise that passed (or was reminded) before the resolution is late; one cut short by the
  resolution before it fell due counts neither way, nor does one still pending.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.config.policy import COMMANDER_ROLE, Policy
from bot.db.models import (
    ENDED,
    OPEN,
    Incident,
    Status,
    StatusUpdate,
    TimelineEvent,
)


@dataclass(frozen=True)
class UpdateCounts:
    on_time: int = 0
    late: int = 0
    posted: int = 0
    reminders: int = 0

    @property
    def promised(self) -> int:
        """Promises that fell due or were answered: the on-time ones and the late ones."""
        return self.on_time + self.late

    @property
    def on_time_rate(self) -> float | None:
        return self.on_time / self.promised if self.promised else None


@dataclass(frozen=True)
class IncidentMetrics:
    incident_id: int
    ref: str
    title: str
    declared_at: datetime
    declared_severity: str
    severity: str  # the final one
    status: str
    is_private: bool
    is_drill: bool
    fields: dict[str, Any]
    service: str  # the affected service the declare form asked for
    resolved_at: datetime | None  # the final resolution (None while open)
    time_to_acknowledge: timedelta | None  # None: nobody ever took command
    time_to_role: dict[str, timedelta]  # role key → from the declaration to its first holder
    time_to_mitigate: timedelta | None  # to the first Monitoring
    time_to_resolve: timedelta | None  # to the final resolution
    time_in_status: dict[str, timedelta]  # open statuses only, every stretch added up
    updates: UpdateCounts = field(default_factory=UpdateCounts)
    escalations: int = 0
    pages: int = 0
    severity_changes: int = 0
    reopens: int = 0

    @property
    def resolved(self) -> bool:
        return self.resolved_at is not None

    def field(self, key: str) -> Any:
        """A custom field's value; ``services`` falls back to the affected service of the declaration."""
        value = self.fields.get(key)
        if value in (None, "", []) and key == "services" and self.service:
            return self.service
        return value


class _Promises:
    """The promise outstanding while the timeline is read, and how the settled ones went."""

    def __init__(self) -> None:
        self.due: datetime | None = None
        self.reminded = False
        self.on_time = 0
        self.late = 0

    def broken(self, at: datetime) -> bool:
        return self.due is not None and (self.reminded or at > self.due)

    def answered(self, at: datetime, next_due: datetime | None) -> None:
        if self.due is not None:
            if self.broken(at):
                self.late += 1
            else:
                self.on_time += 1
        self.due, self.reminded = next_due, False

    def moved(self, at: datetime, new_due: datetime | None) -> None:
        """The promise is re-planned: one already broken stays owed (the next update settles it)."""
        if self.broken(at):
            if new_due is not None:
                return
            self.late += 1
        self.due, self.reminded = new_due, False

    def ended(self, at: datetime) -> None:
        if self.broken(at):
            self.late += 1
        self.due, self.reminded = None, False


def _cadence(policy: Policy, severity: str) -> timedelta | None:
    found = policy.find_severity(severity)
    return found.update_cadence if found else None


def _declared_severity(incident: Incident, events: Sequence[TimelineEvent]) -> str:
    for event in events:
        if event.kind == "declared" and event.details.get("severity"):
            return str(event.details["severity"])
        if event.kind == "severity_changed" and event.details.get("previous"):
            return str(event.details["previous"])
    return incident.severity


def measure(
    policy: Policy,
    incident: Incident,
    events: Sequence[TimelineEvent],
    updates: Sequence[StatusUpdate],
    now: datetime,
) -> IncidentMetrics:
    """The metrics of ``incident`` from its events (in timeline order) and status updates."""
    start = incident.declared_at
    next_promise = {u.id: u.next_update_at for u in updates}
    severity = _declared_severity(incident, events)
    first_cadence = _cadence(policy, severity)
    promises = _Promises()
    promises.due = start + first_cadence if first_cadence else None
    status, since = Status.INVESTIGATING.value, start
    in_status: dict[str, timedelta] = {}
    roles: dict[str, timedelta] = {}
    acknowledged: timedelta | None = None
    mitigated: timedelta | None = None
    resolved_at: datetime | None = None
    last_update = start
    counts = {"update_posted": 0, "reminder_sent": 0, "escalated": 0, "paged": 0, "severity_changed": 0}
    reopens = 0

    def enter(new_status: str, at: datetime) -> None:
        nonlocal status, since
        if status in OPEN:
            in_status[status] = in_status.get(status, timedelta()) + max(timedelta(), at - since)
        status, since = new_status, at

    for event in events:
        d, at, kind = event.details or {}, event.at, event.kind
        if kind in counts and (kind != "paged" or d.get("action") != "resolve"):
            counts[kind] += 1
        if kind in ("role_assigned", "role_handed_over"):
            roles.setdefault(str(d.get("role")), at - start)
        elif kind == "acknowledged" and acknowledged is None:
            acknowledged = at - start
        elif kind == "status_changed":
            enter(str(d.get("status")), at)
            if status == Status.MONITORING.value and mitigated is None:
                mitigated = at - start
        elif kind == "update_posted":
            promises.answered(at, next_promise.get(int(d.get("update_id") or 0)))
            last_update = at
        elif kind == "reminder_sent" and promises.due is not None:
            promises.reminded = True
        elif kind == "severity_changed":
            severity = str(d.get("severity"))
            cadence = _cadence(policy, severity)
            promises.moved(at, max(at, last_update + cadence) if cadence else None)
        elif kind == "resolved":
            enter(Status.RESOLVED.value, at)
            promises.ended(at)
            resolved_at = at
        elif kind == "reopened":
            enter(Status.INVESTIGATING.value, at)
            cadence = _cadence(policy, severity)
            promises.moved(at, at + cadence if cadence else None)
            resolved_at, reopens = None, reopens + 1
        elif kind == "closed":
            enter(Status.CLOSED.value, at)
    if status in OPEN:
        enter(status, now)
        if promises.broken(now):
            promises.late += 1
    if acknowledged is None and COMMANDER_ROLE in roles:
        acknowledged = roles[COMMANDER_ROLE]
    return IncidentMetrics(
        incident_id=incident.id,
        ref=incident.ref,
        title=incident.title,
        declared_at=start,
        declared_severity=_declared_severity(incident, events),
        severity=incident.severity,
        status=incident.status,
        is_private=incident.is_private,
        is_drill=incident.is_drill,
        fields=dict(incident.fields or {}),
        service=incident.service,
        resolved_at=resolved_at if incident.status in ENDED else None,
        time_to_acknowledge=acknowledged,
        time_to_role=roles,
        time_to_mitigate=mitigated,
        time_to_resolve=(resolved_at - start) if resolved_at and incident.status in ENDED else None,
        time_in_status=in_status,
        updates=UpdateCounts(
            promises.on_time, promises.late, counts["update_posted"], counts["reminder_sent"]
        ),
        escalations=counts["escalated"],
        pages=counts["paged"],
        severity_changes=counts["severity_changed"],
        reopens=reopens,
    )
