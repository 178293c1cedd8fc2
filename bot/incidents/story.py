"""The timeline told in words: one line per event, for Slack and for the postmortem."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.config.policy import Policy
from bot.db.models import TimelineEvent
from bot.incidents.fields import display

Person = Callable[[str | None], str]


@dataclass(frozen=True)
class Entry:
    at: datetime
    actor: str | None
    kind: str
    text: str  # written by the bot only (names from the policy, people as ``person`` shows them)
    quoted: str = ""  # what a person wrote (a note, a captured message): escape it where it is shown


def _role(policy: Policy, key: Any) -> str:
    found = policy.find_role(str(key))
    return found.name if found else str(key)


def _field_set(policy: Policy, d: dict[str, Any], who: str, person: Person) -> tuple[str, str]:
    """(text, quoted) of a field change: a person is named by ``person``, typed values are quoted."""
    field = policy.find_field(str(d.get("key")))
    label = field.label if field else str(d.get("key"))
    value, previous = d.get("value"), d.get("previous")
    if value in (None, "", []):
        return f"{label} cleared by {who}", (f"was {display(previous)}" if previous else "")
    if field is not None and field.type == "user":
        was = f" (was {person(str(previous))})" if previous else ""
        return f"{label} set to {person(str(value))}{was} by {who}", ""
    return f"{label} set by {who}", display(value) + (f" (was {display(previous)})" if previous else "")


def describe(event: TimelineEvent, policy: Policy, person: Person) -> Entry:
    d = event.details or {}
    who = person(event.actor)
    kind = event.kind
    texts: dict[str, Callable[[], str]] = {
        "declared": lambda: (
            f"Declared as {d.get('severity')} by {who}"
            + (f" (a drill: {d.get('drill')})" if d.get("drill") else "")
        ),
        "role_assigned": lambda: f"{person(d.get('user'))} became {_role(policy, d.get('role'))}",
        "role_handed_over": lambda: (
            f"{_role(policy, d.get('role'))} handed over"
            f" from {person(d.get('previous'))} to {person(d.get('user'))}"
        ),
        "role_released": lambda: (
            f"{person(d.get('previous'))} stepped down as {_role(policy, d.get('role'))}"
        ),
        "acknowledged": lambda: f"Acknowledged: {who} took command",
        "channel_created": lambda: f"Channel #{d.get('name')} created",
        "status_changed": lambda: f"Status {d.get('previous')} → {d.get('status')} ({who})",
        "severity_changed": lambda: f"Severity {d.get('previous')} → {d.get('severity')} ({who})",
        "update_posted": lambda: f"Update posted by {who} (status {d.get('status')})",
        "reminder_sent": lambda: "Update reminder sent",
        "reminder_snoozed": lambda: f"Reminder snoozed {d.get('minutes')} minutes by {who}",
        "escalated": lambda: f"Escalated to {', '.join(d.get('targets') or [])}: {d.get('reason')}",
        "paged": lambda: f"Paged {d.get('target')} ({d.get('action')})",
        "resolved": lambda: f"Resolved by {who}",
        "reopened": lambda: f"Reopened by {who}",
        "closed": lambda: f"Closed by {who}: postmortem done",
        "note": lambda: f"Note by {who}",
        "message": lambda: f"Message from {who}",
        "action_added": lambda: f"Action item added by {who}",
        "postmortem_drafted": lambda: f"Postmortem drafted by {who}",
        "joined": lambda: f"{who} joined the channel from an invitation",
        "alert_linked": lambda: f"Alert from {d.get('source')} linked by {who}",
        "alert_changed": lambda: f"Alert from {d.get('source')} {d.get('status')} ({d.get('event')})",
        "status_published": lambda: f"Status page: {d.get('status')}, published by {who}",
    }
    if kind == "field_set":
        text, quoted = _field_set(policy, d, who, person)
        return Entry(event.at, event.actor, kind, text, quoted)
    text = texts.get(kind, lambda: kind.replace("_", " ").capitalize())()
    quoted = (
        str(d.get("text") or d.get("summary") or "")
        if kind in ("note", "message", "resolved", "action_added")
        else str(d.get("body") or "")
        if kind == "status_published"
        else str(d.get("title") or "")
        if kind in ("alert_linked", "alert_changed")
        else ""
    )
    return Entry(event.at, event.actor, kind, text, quoted)


def tell(events: list[TimelineEvent], policy: Policy, person: Person) -> list[Entry]:
    return [describe(e, policy, person) for e in events]
