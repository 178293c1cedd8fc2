from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.config.policy import Policy
from bot.db.models import Incident, RoleAssignment, TimelineEvent
from bot.errors import Refusal
from bot.incidents import declare as declaring
from bot.incidents import roles
from bot.incidents.roles import Outcome
from bot.slack.refusals import word

NOW = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
POLICY = Policy()


def new_incident(sessions: sessionmaker[Session], commander: str | None = None) -> Incident:
    declaration = declaring.validate(
        POLICY, title="t", severity="P1", declared_by="U0DEC", commander=commander
    )
    return declaring.declare(sessions, POLICY, declaration, NOW)[0]


def events(sessions: sessionmaker[Session]) -> list[tuple[str, dict[str, object]]]:
    with sessions() as session:
        rows = session.scalars(select(TimelineEvent).order_by(TimelineEvent.id))
        return [(e.kind, e.details) for e in rows]


def test_taking_command_acknowledges_once(sessions: sessionmaker[Session]) -> None:
    incident = new_incident(sessions)
    change = roles.assign(sessions, POLICY, incident.id, "ic", "U0A", "U0A", NOW, only_if_free=True)
    assert change.outcome is Outcome.ASSIGNED and change.acknowledged
    assert change.incident.acknowledged_at == NOW and change.incident.holder("ic") == "U0A"
    later = NOW + timedelta(minutes=5)
    handover = roles.assign(sessions, POLICY, incident.id, "ic", "U0B", "U0A", later)
    assert (
        handover.outcome is Outcome.HANDED_OVER and handover.previous == "U0A" and not handover.acknowledged
    )
    assert handover.incident.acknowledged_at == NOW  # the first commander acknowledged it
    kinds = [k for k, _ in events(sessions)]
    assert kinds == ["declared", "role_assigned", "acknowledged", "role_handed_over"]
    assert events(sessions)[-1][1] == {"role": "ic", "user": "U0B", "previous": "U0A"}


def test_repeats_change_nothing(sessions: sessionmaker[Session]) -> None:
    incident = new_incident(sessions)
    roles.assign(sessions, POLICY, incident.id, "scribe", "U0A", "U0A", NOW, only_if_free=True)
    again = roles.assign(sessions, POLICY, incident.id, "scribe", "U0A", "U0A", NOW, only_if_free=True)
    assert again.outcome is Outcome.UNCHANGED
    roles.release(sessions, POLICY, incident.id, "scribe", "U0A", NOW)
    assert roles.release(sessions, POLICY, incident.id, "scribe", "U0A", NOW).outcome is Outcome.UNCHANGED
    assert [k for k, _ in events(sessions)].count("role_released") == 1


def test_take_never_takes_from_someone(sessions: sessionmaker[Session]) -> None:
    incident = new_incident(sessions)
    roles.assign(sessions, POLICY, incident.id, "tech_lead", "U0A", "U0A", NOW, only_if_free=True)
    with pytest.raises(Refusal) as refused:
        roles.assign(sessions, POLICY, incident.id, "tech_lead", "U0B", "U0B", NOW, only_if_free=True)
    assert (refused.value.reason, refused.value.holder) == ("held", "U0A")
    assert word(refused.value) == "<@U0A> already holds Tech Lead."


def test_who_may_reassign(sessions: sessionmaker[Session]) -> None:
    incident = new_incident(sessions, commander="U0IC")
    roles.assign(sessions, POLICY, incident.id, "tech_lead", "U0A", "U0A", NOW)
    with pytest.raises(Refusal) as refused:
        roles.assign(sessions, POLICY, incident.id, "tech_lead", "U0B", "U0X", NOW)
    assert refused.value.who_may == ("U0IC", "U0A")
    assert (
        word(refused.value)
        == "<@U0A> holds Tech Lead. Only <@U0IC> or <@U0A>, or an incident admin may reassign it."
    )
    with pytest.raises(Refusal) as refused:
        roles.release(sessions, POLICY, incident.id, "tech_lead", "U0X", NOW)
    assert word(refused.value).endswith("may release it.")
    # the commander, the holder and an admin may
    assert roles.assign(sessions, POLICY, incident.id, "tech_lead", "U0B", "U0IC", NOW).previous == "U0A"
    assert roles.assign(sessions, POLICY, incident.id, "tech_lead", "U0C", "U0B", NOW).previous == "U0B"
    assert (
        roles.assign(sessions, POLICY, incident.id, "tech_lead", "U0D", "U0X", NOW, is_admin=True).user
        == "U0D"
    )
    # anyone may give an unassigned role to someone
    assert (
        roles.assign(sessions, POLICY, incident.id, "scribe", "U0E", "U0X", NOW).outcome is Outcome.ASSIGNED
    )
    with sessions() as session:
        current = session.scalars(select(RoleAssignment).where(RoleAssignment.released_at.is_(None))).all()
        assert sorted((a.role, a.user_id) for a in current) == [
            ("ic", "U0IC"),
            ("scribe", "U0E"),
            ("tech_lead", "U0D"),
        ]


def test_scribe_who_also_leads_is_warned_but_allowed(sessions: sessionmaker[Session]) -> None:
    incident = new_incident(sessions, commander="U0A")
    change = roles.assign(sessions, POLICY, incident.id, "scribe", "U0A", "U0A", NOW)
    assert change.outcome is Outcome.ASSIGNED and change.warning and "not troubleshooting" in change.warning
    change = roles.assign(sessions, POLICY, incident.id, "tech_lead", "U0A", "U0A", NOW)
    assert change.warning and "also the Scribe" in change.warning
    third = roles.assign(sessions, POLICY, incident.id, "comms_lead", "U0A", "U0A", NOW).warning
    assert third == "They also hold Incident Commander, Tech Lead and Scribe."  # allowed, but said


def test_two_people_taking_the_same_role_at_once(sessions: sessionmaker[Session]) -> None:
    incident = new_incident(sessions)
    barrier = threading.Barrier(6)
    results: dict[str, object] = {}

    def press(user: str) -> None:
        barrier.wait()
        try:
            results[user] = roles.assign(
                sessions, POLICY, incident.id, "ic", user, user, NOW, only_if_free=True
            )
        except Refusal as refusal:
            results[user] = refusal

    threads = [threading.Thread(target=press, args=(f"U0P{n}",)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    winners = [u for u, r in results.items() if not isinstance(r, Refusal)]
    assert len(winners) == 1
    for user, result in results.items():
        if user != winners[0]:
            assert isinstance(result, Refusal) and result.holder == winners[0]
            assert result.reason in ("held", "lost_race") and f"<@{winners[0]}>" in word(result)
    with sessions() as session:
        assert session.get_one(Incident, incident.id).holder("ic") == winners[0]
    assert [k for k, _ in events(sessions)].count("acknowledged") == 1


def test_one_person_taking_a_second_role_is_told_so(sessions: sessionmaker[Session]) -> None:
    incident = new_incident(sessions, commander="U0A")
    second = roles.assign(sessions, POLICY, incident.id, "tech_lead", "U0A", "U0A", NOW, only_if_free=True)
    assert second.outcome is Outcome.ASSIGNED and second.warning == "They also hold Incident Commander."
    alone = roles.assign(sessions, POLICY, incident.id, "comms_lead", "U0B", "U0B", NOW, only_if_free=True)
    assert alone.warning is None
