"""The postmortem document: everything the database knows about an incident, for the template.

The same data feeds the Markdown uploaded to Slack and ``incident-bot export`` (Markdown or JSON).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.config.policy import Policy
from bot.db.models import ENDED_STATUSES, Incident, StatusUpdate
from bot.durations import humanize_duration
from bot.incidents import fields, followups, story, tickets, timeline
from bot.insights.history import measured
from bot.insights.metrics import IncidentMetrics
from bot.rendering import Renderer


def _utc(value: datetime | None) -> str | None:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if value else None


def _person(user: str | None) -> str:
    return f"@{user}" if user else "the bot"


def _span(value: timedelta | None) -> str | None:
    return humanize_duration(value) if value is not None else None


def _seconds(value: timedelta | None) -> int | None:
    return int(value.total_seconds()) if value is not None else None


def metrics_section(m: IncidentMetrics) -> dict[str, Any]:
    """The metrics the postmortem shows (readable) and exports (also in seconds)."""
    return {
        "time_to_acknowledge": _span(m.time_to_acknowledge),
        "time_to_acknowledge_seconds": _seconds(m.time_to_acknowledge),
        "time_to_mitigate": _span(m.time_to_mitigate),
        "time_to_mitigate_seconds": _seconds(m.time_to_mitigate),
        "time_to_resolve": _span(m.time_to_resolve),
        "time_to_resolve_seconds": _seconds(m.time_to_resolve),
        "updates_promised": m.updates.promised,
        "updates_on_time": m.updates.on_time,
        "updates_late": m.updates.late,
        "updates_posted": m.updates.posted,
        "reminders": m.updates.reminders,
        "escalations": m.escalations,
        "pages": m.pages,
        "reopens": m.reopens,
        "declared_severity": m.declared_severity,
    }


def document(session: Session, policy: Policy, incident: Incident, now: datetime) -> dict[str, Any]:
    """Plain data (JSON-ready) for the postmortem of ``incident``."""
    severity = policy.find_severity(incident.severity)
    entries = story.tell(timeline.events(session, incident.id), policy, _person)
    updates = session.scalars(
        select(StatusUpdate).where(StatusUpdate.incident_id == incident.id).order_by(StatusUpdate.at)
    )
    ended = incident.status in (s.value for s in ENDED_STATUSES)
    measures = measured(session, policy, [incident], now)[0]
    tickets_made = tickets.links(session, incident.id)
    return {
        "id": incident.ref,
        "title": incident.title,
        "draft": not ended,
        "status": incident.status,
        "severity": {"key": incident.severity, "label": severity.label if severity else ""},
        "service": incident.service,
        "impact": incident.impact,
        "description": incident.description,
        "declared_at": _utc(incident.declared_at),
        "acknowledged_at": _utc(incident.acknowledged_at),
        "resolved_at": _utc(incident.resolved_at),
        "duration": humanize_duration((incident.resolved_at or now) - incident.declared_at),
        "time_to_acknowledge": (
            humanize_duration(incident.acknowledged_at - incident.declared_at)
            if incident.acknowledged_at
            else None
        ),
        "fields": [
            {
                "key": field.key,
                "label": field.label,
                "value": _person(str(value)) if field.type == "user" else fields.display(value),
            }
            for field, value in fields.values_of(policy, incident)
        ],
        "metrics": metrics_section(measures),
        "summary": incident.summary,
        "root_cause": incident.root_cause,
        "fix": incident.fix,
        "roles": [
            {
                "role": role.name,
                "holder": _person(incident.holder(role.key)) if incident.holder(role.key) else None,
            }
            for role in policy.roles
        ],
        "responders": [_person(u) for u in dict.fromkeys(r.user_id for r in incident.roles)],
        "timeline": [{"at": _utc(e.at), "kind": e.kind, "text": e.text, "quoted": e.quoted} for e in entries],
        "escalations": [
            {"at": _utc(e.at), "text": e.text} for e in entries if e.kind in ("escalated", "paged")
        ],
        "status_page": [
            {
                "at": _utc(e.at),
                "author": _person(e.actor),
                "status": e.details.get("status"),
                "text": e.details.get("body"),
            }
            for e in timeline.events(session, incident.id)
            if e.kind == "status_published"
        ],
        "updates": [
            {"at": _utc(u.at), "author": _person(u.author), "status": u.status, "text": u.text}
            for u in updates
        ],
        "action_items": [
            {
                "text": item.text,
                "owner": _person(item.owner) if item.owner else None,
                "due": item.due.isoformat() if item.due else None,
                "done": item.done_at is not None,
                "ticket": tickets_made[item.id].url if item.id in tickets_made else None,
            }
            for item in followups.items(session, incident.id)
        ],
        "generated_at": _utc(now),
    }


def markdown(render: Renderer, data: dict[str, Any]) -> str:
    return render.text("docs/postmortem.md.j2", pm=data)
