"""Metrics of one incident, computed from known timelines made with the domain functions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.config.policy import Policy
from bot.db.models import Incident, Status
from bot.insights.metrics import UpdateCounts
from tests.insights_history import History

START = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
POLICY = Policy()


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


@pytest.fixture
def history(sessions: sessionmaker[Session]) -> History:
    return History(sessions, POLICY, START)


def test_updates_before_the_promise_are_on_time_and_a_reminder_makes_one_late(history: History) -> None:
    p1 = history.declare(0, "P1")  # the first update is promised at 15
    history.update(p1, 10)  # on time; promises 25
    history.scheduler_records(p1, 25, "reminder_sent")
    history.update(p1, 30)  # late (reminded); promises 45
    history.update(p1, 44)  # on time; promises 59
    history.resolve(p1, 50)  # cuts the promise of 59 short: neither
    m = history.metrics(p1)
    assert m.updates == UpdateCounts(on_time=2, late=1, posted=3, reminders=1)
    assert m.updates.promised == 3 and m.updates.on_time_rate == pytest.approx(2 / 3)
    assert m.time_to_acknowledge == timedelta(0) and m.time_to_role == {"ic": timedelta(0)}
    assert m.time_to_resolve == minutes(50) and m.resolved_at == START + minutes(50)
    assert m.time_in_status == {"Investigating": minutes(50)}


def test_a_promise_that_passed_is_late_even_without_a_reminder(history: History) -> None:
    p1 = history.declare(0, "P1")
    history.update(p1, 16)  # promised 15: late though no reminder went out yet
    history.update(p1, 31)  # promised 31: exactly on the promised time counts as on time
    history.resolve(p1, 60)  # the promise of 46 passed before the resolution: late
    assert history.metrics(p1).updates == UpdateCounts(on_time=1, late=2, posted=2, reminders=0)


def test_an_open_incident_counts_an_overdue_promise_as_late_and_a_pending_one_not(history: History) -> None:
    p1 = history.declare(0, "P1")
    assert history.metrics(p1, now_minutes=10).updates.promised == 0
    overdue = history.metrics(p1, now_minutes=20)
    assert overdue.updates.late == 1 and overdue.time_to_resolve is None and not overdue.resolved
    assert overdue.time_in_status == {"Investigating": minutes(20)}


def test_no_commander_leaves_time_to_acknowledge_empty(history: History) -> None:
    p2 = history.declare(0, "P2", commander=None)
    history.assign(p2, 5, "tech_lead", "U0TL")
    history.scheduler_records(p2, 30, "reminder_sent")
    history.scheduler_records(p2, 31, "escalated", tier="P2:0", targets=["backup-oncall"], reason="r")
    history.scheduler_records(p2, 31, "paged", target="backup-oncall", action="trigger")
    history.resolve(p2, 120)
    history.scheduler_records(p2, 120, "paged", target="backup-oncall", action="resolve")
    m = history.metrics(p2)
    assert m.time_to_acknowledge is None
    assert m.time_to_role == {"tech_lead": minutes(5)}
    assert (m.escalations, m.pages) == (1, 1)  # the resolve sent to the pager is not a page
    assert m.updates == UpdateCounts(on_time=0, late=1, posted=0, reminders=1)
    assert m.time_to_resolve == minutes(120)


def test_a_commander_taking_over_later_sets_time_to_acknowledge(history: History) -> None:
    p2 = history.declare(0, "P2", commander=None)
    history.assign(p2, 12, "ic", "U0LATE")
    history.assign(p2, 20, "ic", "U0NEXT")  # a hand-over is not a second acknowledgement
    m = history.metrics(p2)
    assert m.time_to_acknowledge == minutes(12) and m.time_to_role == {"ic": minutes(12)}


def test_reopened_incidents_count_to_the_final_resolution_and_every_stretch(history: History) -> None:
    p2 = history.declare(0, "P2")
    history.status(p2, 10, Status.IDENTIFIED)
    history.update(p2, 20, Status.MONITORING)  # mitigated, on time (promised 30); promises 50
    history.resolve(p2, 30)  # before the promise fell due: neither
    history.reopen(p2, 60)  # promises 90
    history.update(p2, 70, Status.MONITORING)  # on time; promises 100
    history.resolve(p2, 90)
    history.close(p2, 100)
    m = history.metrics(p2)
    assert m.reopens == 1 and m.status == "Closed"
    assert m.time_to_mitigate == minutes(20)
    assert m.time_to_resolve == minutes(90) and m.resolved_at == START + minutes(90)
    assert m.time_in_status == {
        "Investigating": minutes(10 + 10),
        "Identified": minutes(10),
        "Monitoring": minutes(10 + 20),
    }
    assert m.updates == UpdateCounts(on_time=2, late=0, posted=2, reminders=0)


def test_a_reopened_incident_still_open_has_no_time_to_resolve(history: History) -> None:
    p3 = history.declare(0, "P3")
    history.resolve(p3, 30)
    history.reopen(p3, 40)
    m = history.metrics(p3, now_minutes=100)
    assert m.time_to_resolve is None and m.resolved_at is None and m.reopens == 1
    assert m.time_in_status == {"Investigating": minutes(30 + 60)}


def test_severity_changes_keep_the_declared_severity_and_move_the_promises(
    history: History, sessions: sessionmaker[Session]
) -> None:
    incident_id = history.declare(0, "P3")  # no cadence: nothing promised
    history.severity(incident_id, 10, "P1")  # promised at 15, as the bot plans it
    with sessions() as session:
        assert session.get_one(Incident, incident_id).next_update_at == START + minutes(15)
    history.update(incident_id, 14)  # on time; promises 29
    history.severity(incident_id, 20, "P2")  # the promise moves to 14 + 30 = 44
    history.update(incident_id, 40)  # on time
    history.resolve(incident_id, 50)
    m = history.metrics(incident_id)
    assert (m.declared_severity, m.severity, m.severity_changes) == ("P3", "P2", 2)
    assert m.updates == UpdateCounts(on_time=2, late=0, posted=2, reminders=0)


def test_a_severity_change_after_a_broken_promise_counts_it_late_once(history: History) -> None:
    p1 = history.declare(0, "P1")
    history.scheduler_records(p1, 15, "reminder_sent")
    history.severity(p1, 20, "P2")  # the overdue promise stays owed
    history.update(p1, 25)  # answers it: late, once
    history.resolve(p1, 40)
    assert history.metrics(p1).updates == UpdateCounts(on_time=0, late=1, posted=1, reminders=1)
    p1b = history.declare(0, "P1")
    history.scheduler_records(p1b, 15, "reminder_sent")
    history.severity(p1b, 20, "P4")  # no cadence any more: the broken promise is settled late
    history.resolve(p1b, 40)
    assert history.metrics(p1b).updates.late == 1


def test_drills_private_and_fields_are_carried(history: History) -> None:
    drill = history.declare(0, "P2", drill=True, private=True, platform="AWS", services="checkout")
    m = history.metrics(drill)
    assert m.is_drill and m.is_private
    assert m.fields == {"platform": "AWS", "services": "checkout"}
