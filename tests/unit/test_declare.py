from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.config.policy import Policy
from bot.db.models import Incident, RoleAssignment, TimelineEvent
from bot.errors import InputError
from bot.incidents import declare as declaring
from bot.incidents.declare import validate
from handlers import command_text
from handlers.command_text import parse_fast_path

NOW = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
POLICY = Policy()


def declaration(**overrides: Any) -> declaring.Declaration:
    fields: dict[str, Any] = {"title": "Checkout down", "severity": "P1", "declared_by": "U0ALICE"}
    fields.update(overrides)
    return validate(POLICY, **fields)


def test_fast_path_parsing() -> None:
    assert parse_fast_path(POLICY, "P1 Checkout API returning 500s") == command_text.FastPath(
        "P1", "Checkout API returning 500s"
    )
    assert parse_fast_path(POLICY, "p2 slow") == command_text.FastPath("P2", "slow")
    assert parse_fast_path(POLICY, "checkout is down") == command_text.FastPath(None, "checkout is down")
    assert parse_fast_path(POLICY, "") == command_text.FastPath(None, "")
    with pytest.raises(InputError, match=r"P9 is not a severity; choose one of P1 \(Critical\), P2"):
        parse_fast_path(POLICY, "P9 Something")
    with pytest.raises(InputError, match="Give a title after the severity"):
        parse_fast_path(POLICY, "P1   ")


@pytest.mark.parametrize("title", ["", "   ", "\t\n", "\x00\x07"])
def test_empty_titles_are_refused_on_the_title_field(title: str) -> None:
    with pytest.raises(InputError) as caught:
        declaration(title=title)
    assert set(caught.value.fields) == {"title"}
    assert "required" in caught.value.fields["title"]


def test_limits_are_stated() -> None:
    with pytest.raises(InputError) as caught:
        declaration(title="x" * 10_000, impact="y" * 2000)
    assert caught.value.fields["title"] == "The title is 10000 characters; at most 120 are allowed."
    assert "at most 1500" in caught.value.fields["impact"]


def test_titles_are_cleaned_to_one_line() -> None:
    assert declaration(title="  Checkout\n\tdown \u202e now ").title == "Checkout down now"


def test_declare_commits_incident_commander_and_timeline(sessions: sessionmaker[Session]) -> None:
    incident, created = declaring.declare(
        sessions, POLICY, declaration(commander="U0ALICE", impact="All checkouts fail"), NOW
    )
    assert created
    assert incident.ref == "INC-2026-0001"
    assert incident.declared_at == NOW and incident.declared_at.tzinfo is not None
    assert incident.acknowledged_at == NOW
    assert incident.holder("ic") == "U0ALICE"
    with sessions() as session:
        kinds = [e.kind for e in session.scalars(select(TimelineEvent).order_by(TimelineEvent.id))]
        assert kinds == ["declared", "role_assigned", "acknowledged"]
        stored = session.get_one(Incident, incident.id)
        assert stored.impact == "All checkouts fail" and stored.status == "Investigating"


def test_the_incident_comes_back_as_it_was_committed(sessions: sessionmaker[Session]) -> None:
    """Inserted without the ORM's unit of work, it is still an ordinary persistent object: every
    column as the database wrote it (defaults too), its collections loaded, and a change to it later
    in the same transaction is saved."""
    incident, _ = declaring.declare(sessions, POLICY, declaration(commander="U0BOB"), NOW)
    # readable with its session closed: nothing left to load
    assert (incident.summary, incident.channel_id, incident.fields, incident.messages) == ("", None, {}, [])
    assert [(r.role, r.user_id, r.incident is incident) for r in incident.roles] == [("ic", "U0BOB", True)]
    with sessions() as session, session.begin():
        again = declaring.create(session, POLICY, declaration(title="Second"), NOW)
        assert not session.dirty and not session.new
        again.summary = "changed in the same transaction"
    with sessions() as session:
        stored = session.get_one(Incident, again.id)
        assert (stored.number, stored.summary) == (2, "changed in the same transaction")


def test_without_a_commander_it_is_not_acknowledged(sessions: sessionmaker[Session]) -> None:
    incident, _ = declaring.declare(sessions, POLICY, declaration(), NOW)
    assert incident.acknowledged_at is None and incident.holder("ic") is None
    with sessions() as session:
        assert session.scalars(select(RoleAssignment)).all() == []


def test_numbers_are_sequential_per_year(sessions: sessionmaker[Session]) -> None:
    refs = [declaring.declare(sessions, POLICY, declaration(), NOW)[0].ref for _ in range(3)]
    next_year = declaring.declare(sessions, POLICY, declaration(), NOW.replace(year=2027))[0].ref
    assert refs == ["INC-2026-0001", "INC-2026-0002", "INC-2026-0003"]
    assert next_year == "INC-2027-0001"


def test_the_same_source_makes_one_incident(sessions: sessionmaker[Session]) -> None:
    first, created = declaring.declare(sessions, POLICY, declaration(source_key="view:V1"), NOW)
    again, created_again = declaring.declare(sessions, POLICY, declaration(source_key="view:V1"), NOW)
    assert created and not created_again and again.id == first.id
    # the repeat is refused by the source's uniqueness: its whole transaction, number too, rolls back
    after = declaring.declare(sessions, POLICY, declaration(source_key="view:V2"), NOW)[0]
    assert (first.ref, after.ref) == ("INC-2026-0001", "INC-2026-0002")


def test_concurrent_declares_get_distinct_numbers(sessions: sessionmaker[Session]) -> None:
    refs: list[str] = []
    errors: list[BaseException] = []

    def declare_one(i: int) -> None:
        try:
            refs.append(declaring.declare(sessions, POLICY, declaration(title=f"t{i}"), NOW)[0].ref)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=declare_one, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(refs) == [f"INC-2026-{n:04d}" for n in range(1, 9)]


def test_concurrent_double_submit_makes_one_incident(sessions: sessionmaker[Session]) -> None:
    results: list[tuple[int, bool]] = []

    def submit() -> None:
        incident, created = declaring.declare(sessions, POLICY, declaration(source_key="view:VSAME"), NOW)
        results.append((incident.id, created))

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({i for i, _ in results}) == 1
    assert sum(created for _, created in results) == 1
