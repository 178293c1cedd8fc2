"""How incidents went across a period: MTTA, MTTR (median and p90), updates on time, counts by
severity, by each custom field value and by ISO week. Pure functions over ``IncidentMetrics``.

Drills and private incidents are left out unless asked for. Percentiles use the nearest-rank
method (p90 of 10 values is the 9th smallest); the median of an even count is the mean of the two
middle values. Text and multi_select values count once per comma-separated part; an incident with
no ``services`` field value counts under its declared affected service, if it has one.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.config.fields import IncidentField
from bot.config.policy import Policy
from bot.insights.metrics import IncidentMetrics, UpdateCounts


@dataclass(frozen=True)
class Spread:
    count: int = 0
    mean: timedelta | None = None
    median: timedelta | None = None
    p90: timedelta | None = None


def spread(values: Iterable[timedelta | None]) -> Spread:
    seconds = sorted(v.total_seconds() for v in values if v is not None)
    if not seconds:
        return Spread()
    p90 = seconds[max(0, math.ceil(0.9 * len(seconds)) - 1)]
    return Spread(
        count=len(seconds),
        mean=timedelta(seconds=round(statistics.fmean(seconds))),
        median=timedelta(seconds=round(statistics.median(seconds))),
        p90=timedelta(seconds=p90),
    )


@dataclass(frozen=True)
class FieldCounts:
    key: str
    label: str
    counts: list[tuple[str, int]]  # most incidents first


@dataclass(frozen=True)
class Week:
    week: str  # ISO week, e.g. 2026-W48
    monday: date
    incidents: int
    resolved: int
    updates: UpdateCounts


@dataclass(frozen=True)
class Summary:
    since: datetime
    until: datetime
    incidents: int
    open: int
    resolved: int
    acknowledge: Spread  # MTTA is its mean
    resolve: Spread  # MTTR: its median and p90
    mitigate: Spread
    unacknowledged: int  # incidents nobody took command of
    updates: UpdateCounts
    escalations: int
    pages: int
    reopens: int
    by_severity: list[tuple[str, int]]
    resolve_by_severity: list[tuple[str, Spread]]
    by_field: list[FieldCounts]
    weeks: list[Week]
    left_out: int  # drills and private incidents not asked for

    @property
    def on_time_rate(self) -> float | None:
        return self.updates.on_time_rate


def _add(counts: Sequence[UpdateCounts]) -> UpdateCounts:
    return UpdateCounts(
        on_time=sum(c.on_time for c in counts),
        late=sum(c.late for c in counts),
        posted=sum(c.posted for c in counts),
        reminders=sum(c.reminders for c in counts),
    )


def pieces(field: IncidentField, value: Any) -> list[str]:
    """The values an incident counts under for ``field``."""
    if value in (None, "", []):
        return []
    if isinstance(value, list):
        return [str(v) for v in value]
    if field.type == "text":
        return [p.strip() for p in str(value).split(",") if p.strip()]
    return [str(value)]


def _field_counts(policy: Policy, metrics: Sequence[IncidentMetrics]) -> list[FieldCounts]:
    result = []
    for field in policy.fields:
        counter: Counter[str] = Counter()
        spelling: dict[str, str] = {}  # values differing only in case count together, as first written
        for m in metrics:
            value = m.field(field.key)
            once = {p.casefold(): p for p in reversed(pieces(field, value))}  # each value once per incident
            for folded, piece in once.items():
                counter[spelling.setdefault(folded, piece)] += 1
        ranked = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0].casefold()))
        result.append(FieldCounts(field.key, field.label, ranked))
    return result


def _severity_order(policy: Policy, seen: Iterable[str]) -> list[str]:
    known = policy.severity_keys
    return known + sorted(set(seen) - set(known))


def _weeks(metrics: Sequence[IncidentMetrics], zone: ZoneInfo) -> list[Week]:
    groups: dict[tuple[int, int], list[IncidentMetrics]] = {}
    for m in metrics:
        year, week, _ = m.declared_at.astimezone(zone).isocalendar()
        groups.setdefault((year, week), []).append(m)
    return [
        Week(
            week=f"{year}-W{week:02d}",
            monday=date.fromisocalendar(year, week, 1),
            incidents=len(group),
            resolved=sum(1 for m in group if m.resolved),
            updates=_add([m.updates for m in group]),
        )
        for (year, week), group in sorted(groups.items())
    ]


def summarize(
    policy: Policy,
    metrics: Sequence[IncidentMetrics],
    since: datetime,
    until: datetime,
    *,
    include_drills: bool = False,
    include_private: bool = False,
) -> Summary:
    kept = [
        m for m in metrics if (include_drills or not m.is_drill) and (include_private or not m.is_private)
    ]
    resolved = [m for m in kept if m.resolved]
    severities = _severity_order(policy, (m.severity for m in kept))
    by_severity = Counter(m.severity for m in kept)
    return Summary(
        since=since,
        until=until,
        incidents=len(kept),
        open=len(kept) - len(resolved),
        resolved=len(resolved),
        acknowledge=spread(m.time_to_acknowledge for m in kept),
        resolve=spread(m.time_to_resolve for m in resolved),
        mitigate=spread(m.time_to_mitigate for m in kept),
        unacknowledged=sum(1 for m in kept if m.time_to_acknowledge is None),
        updates=_add([m.updates for m in kept]),
        escalations=sum(m.escalations for m in kept),
        pages=sum(m.pages for m in kept),
        reopens=sum(m.reopens for m in kept),
        by_severity=[(s, by_severity[s]) for s in severities if by_severity[s]],
        resolve_by_severity=[
            (s, spread(m.time_to_resolve for m in resolved if m.severity == s))
            for s in severities
            if any(m.severity == s for m in resolved)
        ],
        by_field=_field_counts(policy, kept),
        weeks=_weeks(kept, policy.tz),
        left_out=len(metrics) - len(kept),
    )
