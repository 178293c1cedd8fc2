"""The report documents: Markdown (tables, chart links) and the RCA records, from the templates
``docs/report.md.j2`` and ``docs/rca.txt.j2``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.config.policy import Policy
from bot.db.models import Incident
from bot.durations import humanize_duration
from bot.incidents.fields import display
from bot.insights.metrics import IncidentMetrics
from bot.insights.summary import Summary
from bot.rendering import Renderer


def span(value: timedelta | None, empty: str = "—") -> str:
    return humanize_duration(value) if value is not None else empty


def percent(rate: float | None, empty: str = "—") -> str:
    return f"{round(100 * rate)}%" if rate is not None else empty


def cell(value: Any) -> str:
    """Text safe in a Markdown table cell: no pipes, no line breaks, no HTML."""
    text = display(value).replace("\\", "\\\\").replace("|", "\\|")
    return " ".join(text.replace("<", "&lt;").replace(">", "&gt;").split())


@dataclass(frozen=True)
class Charts:
    """What the Markdown says about charts: the PNG file names next to it, or why there are none."""

    time_to_resolve: str | None = None
    on_time: str | None = None
    note: str | None = None


def markdown_report(
    render: Renderer,
    policy: Policy,
    summary: Summary,
    metrics: Sequence[IncidentMetrics],
    charts: Charts,
    *,
    until_label: str,
    generated_at: datetime,
) -> str:
    tz = policy.tz
    return render.text(
        "docs/report.md.j2",
        s=summary,
        incidents=metrics,
        charts=charts,
        fields=policy.fields,
        since=summary.since.astimezone(tz).date().isoformat(),
        until=until_label,
        zone=policy.timezone,
        generated=generated_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
        local=lambda t: t.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
        span=span,
        percent=percent,
        cell=cell,
    )


@dataclass(frozen=True)
class RcaRecord:
    ref: str
    date: str
    severity: str
    platform: str
    services: str
    title: str
    summary: str
    root_cause: str
    resolution: str
    prevention: list[str]


def rca_record(policy: Policy, incident: Incident, prevention: Sequence[str]) -> RcaRecord:
    """The incident in the shape a team keeps its RCA records: number, date, severity, platform,
    services, title, summary, root cause, resolution and the prevention items."""
    severity = policy.find_severity(incident.severity)
    stored = incident.fields or {}
    return RcaRecord(
        ref=incident.ref,
        date=incident.declared_at.astimezone(policy.tz).date().isoformat(),
        severity=f"{incident.severity} ({severity.label})" if severity else incident.severity,
        platform=display(stored.get("platform")),
        services=display(stored.get("services")) or incident.service,
        title=incident.title,
        summary=incident.summary,
        root_cause=incident.root_cause,
        resolution=incident.fix,
        prevention=list(prevention),
    )


def rca_report(render: Renderer, records: Sequence[RcaRecord], since: str, until: str) -> str:
    return render.text("docs/rca.txt.j2", records=records, since=since, until=until, rule="=" * 72)
