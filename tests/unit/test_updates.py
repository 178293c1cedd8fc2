from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.config.policy import Policy
from bot.db.models import Incident, Status
from bot.errors import InputError
from bot.incidents import declare as declaring
from bot.incidents import updates, work

NOW = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
POLICY = Policy()


def new_incident(sessions: sessionmaker[Session], severity: str = "P1") -> Incident:
    declaration = declaring.validate(POLICY, title="t", severity=severity, declared_by="U0A", commander="U0A")
    return declaring.declare(sessions, POLICY, declaration, NOW)[0]


def reminder_due(sessions: sessionmaker[Session], incident_id: int) -> datetime | None:
    with sessions() as session:
        return work.due_at(session, incident_id, work.UPDATE_REMINDER)


def test_declare_promises_the_first_update_by_the_cadence(sessions: sessionmaker[Session]) -> None:
    p1, p3 = new_incident(sessions), new_incident(sessions, "P3")
    assert p1.next_update_at == NOW + timedelta(minutes=15) == reminder_due(sessions, p1.id)
    assert p3.next_update_at is None and reminder_due(sessions, p3.id) is None


def test_an_update_resets_the_clock_and_may_change_status_and_impact(sessions: sessionmaker[Session]) -> None:
    incident = new_incident(sessions)
    later = NOW + timedelta(minutes=10)
    posted = updates.post_update(
        sessions,
        POLICY,
        incident.id,
        author="U0A",
        text="Rolled back",
        now=later,
        status=Status.IDENTIFIED,
        impact="Half of checkouts fail",
        next_in=timedelta(minutes=5),
    )
    assert posted is not None and posted.status_changed_from == "Investigating"
    assert posted.incident.status == "Identified" and posted.incident.impact == "Half of checkouts fail"
    assert (
        posted.incident.next_update_at == later + timedelta(minutes=5) == reminder_due(sessions, incident.id)
    )
    plain = updates.post_update(sessions, POLICY, incident.id, author="U0A", text="Still on it", now=later)
    assert plain is not None and plain.status_changed_from is None
    assert reminder_due(sessions, incident.id) == later + timedelta(minutes=15)


def test_update_input_and_repeats(sessions: sessionmaker[Session]) -> None:
    incident = new_incident(sessions)
    with pytest.raises(InputError, match="required"):
        updates.post_update(sessions, POLICY, incident.id, author="U0A", text="  ", now=NOW)
    with pytest.raises(InputError, match="at most 2500"):
        updates.post_update(sessions, POLICY, incident.id, author="U0A", text="x" * 3000, now=NOW)
    assert (
        updates.post_update(
            sessions, POLICY, incident.id, author="U0A", text="a", now=NOW, source_key="view:V"
        )
        is not None
    )
    assert (
        updates.post_update(
            sessions, POLICY, incident.id, author="U0A", text="a", now=NOW, source_key="view:V"
        )
        is None
    )
    with pytest.raises(InputError, match="Investigating, Identified, Monitoring"):
        updates.parse_status("done")
    assert updates.parse_status("MONITORING") is Status.MONITORING


def test_severity_changes_replan_the_cadence(sessions: sessionmaker[Session]) -> None:
    incident = new_incident(sessions, "P3")
    later = NOW + timedelta(minutes=40)
    up = updates.change_severity(sessions, POLICY, incident.id, "p1", "U0A", later)
    assert up is not None and up.upgrade and up.previous == "P3"
    assert reminder_due(sessions, incident.id) == later  # 15 minutes after the declaration is past: due now
    with pytest.raises(InputError, match="needs a reason"):
        updates.change_severity(sessions, POLICY, incident.id, "P2", "U0A", later)
    down = updates.change_severity(sessions, POLICY, incident.id, "P2", "U0A", later, reason="contained")
    assert down is not None and not down.upgrade
    assert reminder_due(sessions, incident.id) == later
    updates.change_severity(sessions, POLICY, incident.id, "P4", "U0A", later, reason="cosmetic only")
    assert reminder_due(sessions, incident.id) is None
    assert updates.change_severity(sessions, POLICY, incident.id, "P4", "U0A", later) is None
    with pytest.raises(InputError, match="P7 is not a severity"):
        updates.change_severity(sessions, POLICY, incident.id, "P7", "U0A", later)


def test_snooze_moves_the_reminder_not_the_promise(sessions: sessionmaker[Session]) -> None:
    incident = new_incident(sessions)
    snoozed = updates.snooze(sessions, incident.id, "U0A", timedelta(minutes=5), NOW + timedelta(minutes=15))
    assert snoozed.snoozed and snoozed.due == NOW + timedelta(minutes=20)
    assert reminder_due(sessions, incident.id) == NOW + timedelta(minutes=20)
    with sessions() as session:
        assert session.get_one(Incident, incident.id).next_update_at == NOW + timedelta(minutes=15)
    quiet = new_incident(sessions, "P4")
    assert updates.snooze(sessions, quiet.id, "U0A", timedelta(minutes=5), NOW) == updates.Snooze(False, None)


def test_a_stale_snooze_never_brings_the_reminder_forward(sessions: sessionmaker[Session]) -> None:
    incident = new_incident(sessions)
    later = NOW + timedelta(minutes=16)
    updates.post_update(sessions, POLICY, incident.id, author="U0A", text="on it", now=later)
    assert reminder_due(sessions, incident.id) == later + timedelta(minutes=15)
    # a Snooze 5m pressed on the reminder from before the update
    stale = updates.snooze(sessions, incident.id, "U0A", timedelta(minutes=5), later + timedelta(minutes=1))
    assert stale == updates.Snooze(False, later + timedelta(minutes=15))  # says so, changes nothing
    assert reminder_due(sessions, incident.id) == later + timedelta(minutes=15)
