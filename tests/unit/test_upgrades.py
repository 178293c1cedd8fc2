"""Upgrading a database of every earlier release keeps every row, and the bot carries on with it.

A database is filled through the real flows at the head revision (incidents open, resolved and
closed, roles, updates, notes, captured messages, follow-ups, custom fields, a drill, a private
incident, recorded announcements, scheduled reminders and escalations, pending effects), then
rebuilt at an earlier revision with the rows that revision's schema can hold, as that release would
have written them, and upgraded to head: every table keeps every row, every foreign key finds its
parent, and the open incident's reminder and escalation fire, its announcements are edited and the
past incident's postmortem carries its timeline.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, MetaData, Table, func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.db.engine import make_session_factory, transaction
from bot.db.migrate import ForeignKeysBroken, check_foreign_keys, upgrade
from bot.db.models import PENDING, Incident, OutboxEffect, TimelineEvent
from bot.incidents import effects, updates, work
from bot.insights import postmortem
from bot.outbox import store as outbox
from schedules.jobs import JOBS
from tests.old_databases import EARLIER, POLICY, START, dump, fill, load_at


def held(engine: Engine, table: Table, columns: list[str]) -> list[dict[str, Any]]:
    """The table's rows in ``columns``, in a stable order."""
    with engine.connect() as connection:
        rows = [dict(row._mapping) for row in connection.execute(select(*(table.c[c] for c in columns)))]
    return sorted(rows, key=repr)


def run_due(sessions: sessionmaker[Session], now: datetime) -> list[str]:
    """Do what is due, as the scheduler's tick does; returns the kinds done."""
    done: list[str] = []
    while True:
        with transaction(sessions) as session:
            rows, incidents = work.lock_due(session, now, 1)
            if not rows:
                return done
            row, incident = rows[0], incidents[0]
            again = JOBS[row.kind](session, POLICY, incident, row, now)
            work.done(session, row, again)
            done.append(f"{row.kind}:{row.key}")


@pytest.mark.parametrize("revision", EARLIER)
def test_upgrading_from_every_earlier_revision_keeps_every_row(
    engine: Engine, database_url: str, revision: str
) -> None:
    sessions = make_session_factory(engine)
    ids = fill(sessions)
    full = dump(engine)
    load_at(engine, database_url, revision, full)
    before = dump(engine)
    assert before["incidents"] and before["timeline_events"]

    copy = upgrade(database_url)

    after = MetaData()
    after.reflect(engine)
    for name, rows in before.items():
        if name == "slack_messages":  # 0009 moved them to the external references
            refs = held(
                engine, after.tables["external_refs"], ["system", "purpose", "container", "external_id"]
            )
            for row in rows:
                assert {"system": "slack", "purpose": row["purpose"], "container": row["channel_id"],
                        "external_id": row["ts"]} in refs  # fmt: skip
            assert rows
            continue
        table = after.tables[name]
        with engine.connect() as connection:
            count = connection.scalar(select(func.count()).select_from(table))
        assert count == len(rows), f"{name}: {len(rows)} rows before the upgrade, {count} after"
        if rows:  # in the columns it still has (0007 dropped a few that were never filled)
            columns = [c for c in rows[0] if c in table.c]
            expected = sorted(({c: row[c] for c in columns} for row in rows), key=repr)
            assert held(engine, table, columns) == expected, f"{name} changed"
    with engine.begin() as connection:
        check_foreign_keys(connection)
    if database_url.startswith("sqlite"):
        assert copy is not None and copy.name == f"bot.db.{revision}.bak"
    carries_on(sessions, ids, before)


def carries_on(sessions: sessionmaker[Session], ids: dict[str, int], before: dict[str, Any]) -> None:
    """The upgraded database serves the flows as if nothing happened."""
    later = START + timedelta(hours=3)
    # what the earlier release owed goes out: every lane that owes something has its head claimable
    with sessions() as session:
        owing = session.execute(
            select(OutboxEffect.lane, func.min(OutboxEffect.id))
            .where(OutboxEffect.state == PENDING)
            .group_by(OutboxEffect.lane)
        ).all()
        owed_kinds = frozenset(session.scalars(select(OutboxEffect.kind).distinct()))
    if "outbox" in before:
        assert owing, "the filled database owes nothing: the check below would prove nothing"
    known = outbox.Known(kinds=owed_kinds)
    claimed = outbox.claim_batch(sessions, later + timedelta(days=1), timedelta(seconds=30), known, 1000)
    assert sorted((c.lane, c.id) for c in claimed) == sorted((lane, first) for lane, first in owing)
    for effect in claimed:  # released again, as a worker's lease running out would
        outbox.hold(sessions, effect, START, "the upgrade test looked")
    # the open incident's update is overdue and nobody took command: reminded, and escalated
    done = run_due(sessions, later)
    if "scheduled_work" in before:  # the release before 0002 promised no updates
        assert f"{work.UPDATE_REMINDER}:" in done and any(k.startswith(work.ESCALATION) for k in done), done
        with sessions() as session:
            kinds = session.scalars(
                select(TimelineEvent.kind).where(TimelineEvent.incident_id == ids["open"])
            ).all()
            assert {"reminder_sent", "escalated"} <= set(kinds), kinds
    # an update edits every announcement the incident has
    updates.post_update(sessions, POLICY, ids["open"], author="U0TECH", text="Fixed the pool", now=later)
    with sessions() as session:
        edits = session.scalars(
            select(OutboxEffect.key).where(
                OutboxEffect.incident_id == ids["open"], OutboxEffect.kind == "edit"
            )
        ).all()
        incident = session.get_one(Incident, ids["open"])
        assert set(edits) >= {
            effects.key(incident, "edit", effects.INCIDENT),
            effects.key(incident, "edit", effects.ANNOUNCEMENTS),
        }
        # the past incident's postmortem tells its whole story
        resolved = session.get_one(Incident, ids["resolved"])
        document = postmortem.document(session, POLICY, resolved, later)
        told = {entry["kind"] for entry in document["timeline"]}
        assert {"declared", "resolved"} <= told, told
        if "root_cause" in before["incidents"][0]:  # since 0003
            assert document["root_cause"] == "Missing index"
        if "action_items" in before:
            assert [item["text"] for item in document["action_items"]] == ["Add an index"]


def test_a_migration_that_would_leave_orphans_is_undone(database_url: str) -> None:
    """``PRAGMA foreign_key_check`` must come back clean before a migration commits (SQLite; PostgreSQL
    checks every statement)."""
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite only: PostgreSQL enforces foreign keys in every statement")
    upgrade(database_url, "0007")
    path = database_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as raw:  # foreign keys are off unless asked for
        raw.execute(
            "INSERT INTO timeline_events (incident_id, at, kind, details) "
            "VALUES (999, '2026-11-01', 'note', '{}')"
        )
    with pytest.raises(ForeignKeysBroken, match="1 rows refer to rows that are gone"):
        upgrade(database_url)
    with sqlite3.connect(path) as raw:
        assert raw.execute("SELECT version_num FROM alembic_version").fetchall() == [("0007",)]
