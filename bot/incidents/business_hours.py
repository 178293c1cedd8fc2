"""Working hours: when "next business day" falls."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.config.escalation import DAYS, WorkingHours


def next_business_morning(after: datetime, hours: WorkingHours) -> datetime:
    """The start of the first working day strictly after the day of ``after``, in the working time zone.

    An incident declared on Friday afternoon in Berlin is due Monday 09:00 Berlin time (in UTC).
    """
    zone = ZoneInfo(hours.timezone)
    day = after.astimezone(zone).date()
    for _ in range(14):
        day += timedelta(days=1)
        if DAYS[day.weekday()] in hours.days:
            return datetime.combine(day, hours.start, tzinfo=zone).astimezone(UTC)
    raise ValueError("no working day in the next two weeks")  # pragma: no cover - days is never empty
