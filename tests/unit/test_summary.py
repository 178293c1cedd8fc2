"""Aggregates across incidents: MTTA, MTTR median and p90, on-time rate, counts; drills left out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.config.policy import Policy
from bot.errors import InputError
from bot.insights.history import Period, parse_since, period_metrics
from bot.insights.summary import Spread, spread, summarize
from tests.insights_history import History

START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # a Monday: ISO week 2026-W48
POLICY = Policy()


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


def test_spread_mean_median_and_nearest_rank_p90() -> None:
    assert spread([minutes(n) for n in range(10, 0, -1)]) == Spread(
        count=10, mean=minutes(5.5), median=minutes(5.5), p90=minutes(9)
    )
    assert spread([None, minutes(3)]) == Spread(1, minutes(3), minutes(3), minutes(3))
    assert spread([]) == Spread()


def build(sessions: sessionmaker[Session]) -> History:
    h = History(sessions, POLICY, START)
    week = 7 * 24 * 60
    a = h.declare(0, "P1", platform="AWS", services="checkout, payments")
    h.update(a, 10)  # on time
    h.resolve(a, 20)
    b = h.declare(60, "P1", commander=None, platform="aws", service="search")
    h.assign(b, 70)  # acknowledged after 10 minutes
    h.scheduler_records(b, 75, "reminder_sent")
    h.update(b, 80)  # late
    h.resolve(b, 90)
    c = h.declare(week, "P3", commander=None, platform="GCP", services="checkout")  # never acknowledged
    h.resolve(c, week + 120)
    h.declare(week + 5, "P2", platform="GCP")  # still open, its first promise overdue: late
    drill = h.declare(10, "P1", drill=True, platform="Drillland")
    h.resolve(drill, 11)
    private = h.declare(20, "P4", private=True, platform="Secret")
    h.resolve(private, 21)
    return h


def test_summary_over_a_period(sessions: sessionmaker[Session]) -> None:
    h = build(sessions)
    now = h.at(30 * 24 * 60)
    everything = Period(START, now, include_drills=True, include_private=True)
    with sessions() as session:
        metrics = period_metrics(session, POLICY, everything, now)
    s = summarize(POLICY, metrics, START, now)
    assert (s.incidents, s.resolved, s.open, s.left_out) == (4, 3, 1, 2)
    assert s.acknowledge.count == 3 and s.unacknowledged == 1
    assert s.acknowledge.mean == minutes((0 + 10 + 0) / 3)  # MTTA
    assert (s.resolve.median, s.resolve.p90) == (minutes(30), minutes(120))  # MTTR of 20, 30, 120
    assert (s.updates.on_time, s.updates.late) == (1, 2) and s.on_time_rate == pytest.approx(1 / 3)
    assert s.by_severity == [("P1", 2), ("P2", 1), ("P3", 1)]
    assert [(sev, sp.median) for sev, sp in s.resolve_by_severity] == [
        ("P1", minutes(25)),
        ("P3", minutes(120)),
    ]
    platform, services = s.by_field
    assert (platform.label, platform.counts) == ("Platform", [("AWS", 2), ("GCP", 2)])  # case folded
    assert services.counts == [("checkout", 2), ("payments", 1), ("search", 1)]
    assert [(w.week, w.incidents, w.resolved, w.updates.promised) for w in s.weeks] == [
        ("2026-W48", 2, 2, 2),
        ("2026-W49", 2, 1, 1),
    ]
    asked = summarize(POLICY, metrics, START, now, include_drills=True, include_private=True)
    assert (asked.incidents, asked.left_out) == (6, 0)
    assert ("P4", 1) in asked.by_severity
    assert ("Drillland", 1) in asked.by_field[0].counts


def test_the_period_leaves_out_drills_and_private_incidents_unless_asked(
    sessions: sessionmaker[Session],
) -> None:
    h = build(sessions)
    now = h.at(30 * 24 * 60)
    with sessions() as session:
        plain = period_metrics(session, POLICY, Period(START, now), now)
        drills = period_metrics(session, POLICY, Period(START, now, include_drills=True), now)
        week_one = period_metrics(session, POLICY, Period(START, h.at(7 * 24 * 60)), now)
    assert len(plain) == 4 and not any(m.is_drill or m.is_private for m in plain)
    assert len(drills) == 5 and sum(m.is_drill for m in drills) == 1
    assert [m.ref for m in week_one] == [plain[0].ref, plain[1].ref]  # until is exclusive


def test_since_is_a_date_a_period_or_the_last_30_days() -> None:
    now = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
    berlin = ZoneInfo("Europe/Berlin")
    assert parse_since("", now, berlin) == now - timedelta(days=30)
    assert parse_since("7d", now, berlin) == now - timedelta(days=7)
    assert parse_since("2026-11-01", now, berlin) == datetime(2026, 11, 1, tzinfo=berlin)
    with pytest.raises(InputError, match="last week is not a date or a period: write a date as YYYY-MM-DD"):
        parse_since("last week", now, berlin)
    with pytest.raises(InputError, match="in the future"):
        parse_since("2027-01-01", now, berlin)
