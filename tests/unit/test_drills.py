"""Drill scenarios load and validate; a drill is flagged, schedules its injects, and owes no page
and no leadership post."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.config.policy import Policy, load_policy
from bot.db.models import OutboxEffect, ScheduledWork
from bot.errors import InputError
from bot.incidents import drills as drilling
from bot.incidents import scenarios as drills
from bot.incidents import work

NOW = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)


def test_the_four_shipped_scenarios_load_against_the_default_policy() -> None:
    found = drills.scenarios(Policy())
    assert sorted(found) == [
        "api-latency",
        "authentication-failures",
        "database-connections",
        "high-cpu-memory",
    ]
    for scenario in found.values():
        assert scenario.injects and all(i.after > timedelta(0) for i in scenario.injects)
        assert "ic" in scenario.expected_roles


def test_a_team_adds_and_replaces_scenarios_and_bad_files_say_what_is_wrong(tmp_path: Path) -> None:
    folder = tmp_path / "drills"
    folder.mkdir()
    (folder / "api-latency.yml").write_text("title: Our own latency drill\nseverity: P3\n")
    (folder / "queue.yml").write_text(
        "title: Queue backlog\nseverity: P2\ninjects: [{after: 2m, text: Depth 5000}]\n"
    )
    (tmp_path / "policy.yml").write_text("drills_dir: drills\n")
    policy = load_policy(tmp_path / "policy.yml")
    found = drills.scenarios(policy)
    assert found["api-latency"].title == "Our own latency drill" and found["queue"].injects[
        0
    ].after == timedelta(minutes=2)
    (folder / "broken.yml").write_text("title: Broken\nseverity: P9\n")
    with pytest.raises(drills.ScenarioError, match=r"broken\.yml: severity P9 is not one of P1, P2, P3, P4"):
        drills.scenarios(policy)
    with pytest.raises(InputError, match="nope is not a drill scenario; there are: api-latency"):
        drills.find(Policy(), "nope")


def test_a_drill_is_flagged_schedules_its_injects_and_never_pages_or_tells_leadership(
    sessions: sessionmaker[Session],
) -> None:
    pager = {"users": ["U0BOB"], "webhook_url": "https://pager.example/x"}
    targets = {name: pager for name in ("primary-oncall", "backup-oncall", "engineering-lead", "cto")}
    policy = Policy.model_validate({"escalation": {"targets": targets}})
    scenario = drills.find(policy, "database-connections")  # a P1: leadership and paging if it were real
    incident, created = drilling.start(sessions, policy, scenario, "U0ALICE", NOW)
    assert created and incident.is_drill and incident.holder("ic") is None
    with sessions() as session:
        due = session.scalars(select(ScheduledWork).where(ScheduledWork.incident_id == incident.id)).all()
        owed = session.scalars(select(OutboxEffect)).all()
    injects = sorted(w.due_at - NOW for w in due if w.kind == work.DRILL_INJECT)
    assert injects == [i.after for i in scenario.injects]
    assert not [w for w in due if w.kind == work.ESCALATION]
    assert not [e for e in owed if e.kind == "page" or "leadership" in e.lane]
    assert [e.key for e in owed if e.kind == "post"] == [
        f"{incident.ref}/announce/incident",
        f"{incident.ref}/announce/announcements",
    ]
