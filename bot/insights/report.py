"""Building ``incident-bot report``: the period's incidents in the format asked for.

``md``: tables and, when written to a file and matplotlib is installed, two PNG charts next to it;
``csv`` / ``json``: one row per incident; ``rca``: the RCA record of each resolved incident.
Drills and private incidents are left out unless asked for.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from bot.config.policy import Policy
from bot.db.models import ENDED, Incident
from bot.incidents import followups, tickets
from bot.insights import charts
from bot.insights.documents import Charts, markdown_report, rca_record, rca_report
from bot.insights.history import Period, declared_between, measured
from bot.insights.rows import columns, incident_row
from bot.insights.summary import summarize
from bot.rendering import Renderer


@dataclass(frozen=True)
class Request:
    format: str  # md, csv, json or rca
    since: datetime
    until: datetime  # exclusive
    include_drills: bool
    include_private: bool
    output: Path | None
    last_day: date


@dataclass(frozen=True)
class Outputs:
    text: str
    files: list[Path] = field(default_factory=list)  # written besides the text (the charts)


def _prevention(session: Session, incident_id: int) -> list[str]:
    """The follow-ups, each with its ticket where the tracker has one."""
    made = tickets.links(session, incident_id)
    return [
        item.text + (f" (ticket {made[item.id].external_id}: {made[item.id].url})" if item.id in made else "")
        for item in followups.items(session, incident_id)
    ]


def build(session: Session, policy: Policy, request: Request, now: datetime) -> Outputs:
    render = Renderer(policy.templates_dir)
    period = Period(request.since, request.until, request.include_drills, request.include_private)
    until_label = request.last_day.isoformat()
    if request.format == "md":
        return _markdown(session, policy, request, period, render, now)
    incidents = declared_between(session, period)
    if request.format == "rca":
        records = [rca_record(policy, i, _prevention(session, i.id)) for i in incidents if i.status in ENDED]
        since_label = request.since.astimezone(policy.tz).date().isoformat()
        return Outputs(rca_report(render, records, since_label, until_label))
    readable = request.format == "json"
    rows = [
        incident_row(policy, m, _texts(i), readable=readable)
        for i, m in zip(incidents, measured(session, policy, incidents, now), strict=True)
    ]
    return Outputs(json_text(rows) if readable else csv_text(rows, columns(policy)))


def _texts(incident: Incident) -> dict[str, str]:
    return {"summary": incident.summary, "root_cause": incident.root_cause, "fix": incident.fix}


def _markdown(
    session: Session, policy: Policy, request: Request, period: Period, render: Renderer, now: datetime
) -> Outputs:
    everything = Period(request.since, request.until, include_drills=True, include_private=True)
    metrics = measured(session, policy, declared_between(session, everything), now)
    summary = summarize(
        policy,
        metrics,
        request.since,
        request.until,
        include_drills=request.include_drills,
        include_private=request.include_private,
    )
    kept = [
        m
        for m in metrics
        if Period(request.since, request.until, request.include_drills, request.include_private).keeps(m)
    ]
    files: list[Path] = []
    if request.output is None:
        shown = Charts(
            note="Charts: give `--output report.md` to write them as PNG files next to the report."
        )
    elif not charts.available():
        shown = Charts(note=f"Charts need matplotlib: `{charts.INSTALL_HINT}`.")
    else:
        stem = request.output.with_suffix("")
        ttr, on_time = Path(f"{stem}-ttr.png"), Path(f"{stem}-ontime.png")
        charts.time_to_resolve_by_severity(summary, ttr)
        charts.on_time_by_week(summary, on_time)
        files = [ttr, on_time]
        shown = Charts(time_to_resolve=ttr.name, on_time=on_time.name)
    text = markdown_report(
        render, policy, summary, kept, shown, until_label=request.last_day.isoformat(), generated_at=now
    )
    return Outputs(text, files)


# A spreadsheet runs a cell that begins with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def inert(value: Any) -> Any:
    """A cell no spreadsheet runs: text that would start a formula gets a leading ``'`` (shown as
    typed); numbers stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_text(rows: list[dict[str, Any]], header: list[str]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(
        buffer, fieldnames=header, lineterminator="\r\n"
    )  # RFC 4180: a \r in a cell is quoted
    writer.writeheader()
    writer.writerows({key: inert(value) for key, value in row.items()} for row in rows)
    return buffer.getvalue()


def json_text(rows: list[dict[str, Any]]) -> str:
    return json.dumps(rows, indent=2, ensure_ascii=False) + "\n"
