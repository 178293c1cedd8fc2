"""Reading the incident history for insights: the incidents of a period, measured in few queries."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.config.policy import Policy
from bot.db.models import Incident, StatusUpdate, TimelineEvent
from bot.durations import DURATION_HELP, parse_duration
from bot.errors import InputError
from bot.insights.metrics import IncidentMetrics, measure

_CHUNK = 500  # ids per IN (...) query
DEFAULT_SINCE = timedelta(days=30)


def parse_since(text: str, now: datetime, zone: ZoneInfo) -> datetime:
    """The start of a period from what someone typed: a date (its midnight in ``zone``), a period
    back from now (``7d``, ``12h``), or nothing for the last 30 days."""
    text = text.strip()
    if not text:
        return now - DEFAULT_SINCE
    try:
        start = datetime.combine(date.fromisoformat(text), time(), tzinfo=zone)
    except ValueError:
        try:
            start = now - parse_duration(text)
        except ValueError:
            raise InputError(
                {"since": f"{text} is not a date or a period: write a date as YYYY-MM-DD or {DURATION_HELP}."}
            ) from None
    if start > now:
        raise InputError({"since": f"{text} is in the future; give a day or a period in the past."})
    return start


@dataclass(frozen=True)
class Period:
    """Incidents declared in [since, until); drills and private incidents only when asked."""

    since: datetime
    until: datetime
    include_drills: bool = False
    include_private: bool = False

    def keeps(self, incident: Incident | IncidentMetrics) -> bool:
        return (self.include_drills or not incident.is_drill) and (
            self.include_private or not incident.is_private
        )


def declared_between(session: Session, period: Period) -> list[Incident]:
    """The incidents of ``period``, oldest first, without the drills and private ones not asked for."""
    query = (
        select(Incident)
        .where(Incident.declared_at >= period.since, Incident.declared_at < period.until)
        .order_by(Incident.declared_at, Incident.id)
    )
    if not period.include_drills:
        query = query.where(Incident.is_drill.is_(False))
    if not period.include_private:
        query = query.where(Incident.is_private.is_(False))
    return list(session.scalars(query))


def measured(
    session: Session, policy: Policy, incidents: Sequence[Incident], now: datetime
) -> list[IncidentMetrics]:
    """The metrics of each incident, in the order given (events and updates read in batches)."""
    events: dict[int, list[TimelineEvent]] = defaultdict(list)
    updates: dict[int, list[StatusUpdate]] = defaultdict(list)
    ids = [i.id for i in incidents]
    for offset in range(0, len(ids), _CHUNK):
        chunk = ids[offset : offset + _CHUNK]
        for event in session.scalars(
            select(TimelineEvent)
            .where(TimelineEvent.incident_id.in_(chunk))
            .order_by(TimelineEvent.at, TimelineEvent.id)
        ):
            events[event.incident_id].append(event)
        for update in session.scalars(
            select(StatusUpdate).where(StatusUpdate.incident_id.in_(chunk)).order_by(StatusUpdate.at)
        ):
            updates[update.incident_id].append(update)
    return [measure(policy, i, events[i.id], updates[i.id], now) for i in incidents]


def period_metrics(session: Session, policy: Policy, period: Period, now: datetime) -> list[IncidentMetrics]:
    return measured(session, policy, declared_between(session, period), now)
