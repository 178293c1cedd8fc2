"""One row per incident with every field and metric, for spreadsheets (CSV) and BI tools (JSON).

Columns are the same for every incident of a policy: the custom fields as ``field_<key>``, the
time to each role as ``time_to_role_<key>``, the time in each open status as ``time_in_<status>``.
Durations are whole seconds (``…_seconds``); JSON rows add the readable form under the name
without the suffix.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from bot.config.policy import Policy
from bot.db.models import OPEN_STATUSES
from bot.durations import humanize_duration
from bot.incidents.fields import display
from bot.insights.metrics import IncidentMetrics


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value else None


def _duration(row: dict[str, Any], name: str, value: timedelta | None, readable: bool) -> None:
    row[f"{name}_seconds"] = int(value.total_seconds()) if value is not None else None
    if readable:
        row[name] = humanize_duration(value) if value is not None else None


def incident_row(
    policy: Policy, m: IncidentMetrics, texts: dict[str, str], *, readable: bool = False
) -> dict[str, Any]:
    """The row of one incident. ``texts``: its summary, root cause and fix. ``readable``: for JSON
    (durations also in words, list values kept as lists)."""
    row: dict[str, Any] = {
        "id": m.ref,
        "title": m.title,
        "declared_at": _iso(m.declared_at),
        "declared_severity": m.declared_severity,
        "severity": m.severity,
        "status": m.status,
        "private": m.is_private,
        "drill": m.is_drill,
        "resolved_at": _iso(m.resolved_at),
        "service": m.service,
    }
    for field in policy.fields:
        value = m.fields.get(field.key)
        row[f"field_{field.key}"] = value if readable else display(value)
    _duration(row, "time_to_acknowledge", m.time_to_acknowledge, readable)
    _duration(row, "time_to_mitigate", m.time_to_mitigate, readable)
    _duration(row, "time_to_resolve", m.time_to_resolve, readable)
    for role in policy.roles:
        _duration(row, f"time_to_role_{role.key}", m.time_to_role.get(role.key), readable)
    for status in OPEN_STATUSES:
        spent = m.time_in_status.get(status.value, timedelta())
        _duration(row, f"time_in_{status.value.lower()}", spent, readable)
    rate = m.updates.on_time_rate
    row.update(
        updates_promised=m.updates.promised,
        updates_on_time=m.updates.on_time,
        updates_late=m.updates.late,
        updates_posted=m.updates.posted,
        update_on_time_rate=round(rate, 4) if rate is not None else None,
        reminders=m.updates.reminders,
        escalations=m.escalations,
        pages=m.pages,
        severity_changes=m.severity_changes,
        reopens=m.reopens,
        summary=texts.get("summary", ""),
        root_cause=texts.get("root_cause", ""),
        fix=texts.get("fix", ""),
    )
    return row


def columns(policy: Policy) -> list[str]:
    """The CSV header: the keys every row of ``policy`` has, in order."""
    blank = IncidentMetrics(
        incident_id=0,
        ref="",
        title="",
        declared_at=datetime.fromtimestamp(0, UTC),
        declared_severity="",
        severity="",
        status="",
        is_private=False,
        is_drill=False,
        fields={},
        service="",
        resolved_at=None,
        time_to_acknowledge=None,
        time_to_role={},
        time_to_mitigate=None,
        time_to_resolve=None,
        time_in_status={},
    )
    return list(incident_row(policy, blank, {}))
