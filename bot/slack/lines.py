"""One-line notes in the incident channel, written from a timeline event: who changed what.

The lines are mrkdwn the bot writes itself (people as mentions); what a person typed (a reason)
is returned apart, for the template to escape.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from bot.config.policy import Policy
from bot.db.models import Incident, TimelineEvent


def mention(user: Any) -> str:
    return f"<@{user}>" if user else "the bot"


def groups(usergroups: Iterable[str] | None) -> str:
    return " ".join(f"<!subteam^{g}>" for g in usergroups or ())


def _reached(policy: Policy, names: Iterable[str]) -> str:
    parts = []
    for name in names:
        target = policy.escalation.targets.get(name)
        if target is None:
            parts.append(name)
            continue
        people = [mention(u) for u in target.users] + [f"<!subteam^{g}>" for g in target.usergroups]
        people += [f"<#{c}>" if c[:1] in "CG" and c.isupper() else f"#{c}" for c in target.channels]
        if target.pages:
            people.append("paged")
        parts.append(f"{name} ({', '.join(people)})")
    return "; ".join(parts)


def describe(policy: Policy, incident: Incident, event: TimelineEvent) -> tuple[str, str]:
    """(line, reason) for a change shown in the incident channel."""
    d = event.details or {}
    who = mention(event.actor)
    if event.kind == "status_changed":
        return f"{who} changed the status from {d.get('previous')} to {d.get('status')}.", ""
    if event.kind == "severity_changed":
        keys = policy.severity_keys
        previous, now = str(d.get("previous")), str(d.get("severity"))
        lowered = previous in keys and now in keys and keys.index(now) > keys.index(previous)
        word = "lowered" if lowered else "raised"
        return f"{who} {word} the severity from {previous} to {now}.", str(d.get("reason") or "")
    if event.kind == "reopened":
        return f"{who} reopened {incident.ref}: back to Investigating.", ""
    if event.kind == "closed":
        return f"{who} marked the postmortem done: {incident.ref} is closed.", ""
    if event.kind == "escalated":
        return f"{d.get('reason')}: escalated to {_reached(policy, d.get('targets') or [])}.", ""
    if event.kind == "field_set":
        field = policy.find_field(str(d.get("key")))
        label = field.label if field else str(d.get("key"))
        value = d.get("value")
        shown = ", ".join(value) if isinstance(value, list) else str(value or "")
        return (f"{who} set {label}:" if shown else f"{who} cleared {label}."), shown
    if event.kind == "alert_linked":
        return f"{who} linked the {_source(d)} alert:", str(d.get("title") or "")
    if event.kind == "alert_changed":
        return f"The linked {_source(d)} alert is {d.get('status')} ({d.get('event')}):", str(
            d.get("title") or ""
        )
    if event.kind == "status_published":
        status = str(d.get("status") or "").capitalize()
        url = str(d.get("url") or "")
        page = (
            f"<{url}|status page>" if url.startswith("http") and not set("<>| ") & set(url) else "status page"
        )
        return f"{who} published {incident.ref} on the {page} ({status}):", str(d.get("body") or "")
    return f"{event.kind.replace('_', ' ').capitalize()} ({who}).", ""


def _source(details: dict[str, Any]) -> str:
    return {"pagerduty": "PagerDuty", "alertmanager": "Alertmanager"}.get(str(details.get("source")), "")
