"""Databases as earlier releases left them, for the upgrade tests.

``fill`` makes incidents in every state through the domain's real flows (at the head revision);
``old_database`` rebuilds the database at an earlier revision holding what that revision's tables
can of those rows, as that release would have written them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from alembic.command import downgrade
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, MetaData, select, text
from sqlalchemy.orm import Session, sessionmaker

from bot.config.policy import Policy
from bot.db.engine import make_engine, make_session_factory, transaction
from bot.db.migrate import alembic_config, upgrade
from bot.db.models import Status
from bot.incidents import capture
from bot.slack import slack_state
from tests.insights_history import History

START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
POLICY = Policy.model_validate(
    {
        "escalation": {
            "targets": {
                "primary-oncall": {"users": ["U0PRIMARY"]},
                "backup-oncall": {"users": ["U0BACKUP"]},
                "engineering-lead": {"users": ["U0LEAD"]},
                "cto": {"users": ["U0CTO"]},
            }
        }
    }
)
HEAD = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
EARLIER = [
    step.revision
    for step in ScriptDirectory.from_config(alembic_config("sqlite://")).walk_revisions()
    if step.revision != HEAD
]


def fill(sessions: sessionmaker[Session]) -> dict[str, int]:
    """Incidents in every state, made by the domain's own flows. Returns their ids by name."""
    history = History(sessions, POLICY, START)
    # open P1, nobody in command yet: its first escalation tiers are still to come
    open_p1 = history.declare(0, "P1", title="Checkout is down", commander=None, platform="web")
    history.assign(open_p1, 5, "tech_lead", "U0TECH")
    history.update(open_p1, 10, Status.IDENTIFIED)
    capture.note(sessions, open_p1, "U0TECH", "Rolled back v2.3", history.at(11))
    capture.capture(
        sessions, open_p1, channel="C0INC", ts="1762074720.000100", author="U0TECH", text="DB pool at 100%",
        captured_by="U0TECH",
    )  # fmt: skip
    history.action(open_p1, 12, "Alert on pool saturation", due=date(2026, 12, 1))
    with transaction(sessions) as session:
        for purpose, channel in (("announcement", "C0INC"), ("broadcast", "C0RESPONSE")):
            slack_state.record_message(session, open_p1, purpose, channel, "1762074000.000100")
    # resolved P2 with a postmortem to write
    resolved = history.declare(20, "P2", title="Search is slow", services="search")
    history.update(resolved, 30)
    history.action(resolved, 40, "Add an index")
    history.resolve(resolved, 60, summary="Slow query", root_cause="Missing index", fix="Added it")
    # closed P3, reopened once on the way
    closed = history.declare(70, "P3", title="Docs typo")
    history.resolve(closed, 80)
    history.reopen(closed, 85)
    history.resolve(closed, 90)
    history.close(closed, 100)
    drill = history.declare(110, "P2", title="Rehearsal", drill=True)
    private = history.declare(120, "P1", title="Token leak", private=True)
    return {"open": open_p1, "resolved": resolved, "closed": closed, "drill": drill, "private": private}


def dump(engine: Engine) -> dict[str, list[dict[str, Any]]]:
    metadata = MetaData()
    metadata.reflect(engine)
    with engine.connect() as connection:
        return {
            table.name: [dict(row._mapping) for row in connection.execute(select(table))]
            for table in metadata.sorted_tables
            if table.name != "alembic_version"
        }


def load_at(engine: Engine, database_url: str, revision: str, rows: dict[str, list[dict[str, Any]]]) -> None:
    """The database rebuilt at ``revision``, holding what that revision's tables can of ``rows``."""
    downgrade(alembic_config(database_url), "base")
    upgrade(database_url, revision)
    metadata = MetaData()
    metadata.reflect(engine)
    if "slack_messages" in metadata.tables:  # before 0009, the messages to edit had their own table
        rows = {**rows, "slack_messages": slack_messages(rows.get("external_refs", []))}
    with engine.begin() as connection:
        for table in metadata.sorted_tables:
            if table.name == "alembic_version" or not rows.get(table.name):
                continue
            columns = set(table.columns.keys())
            connection.execute(
                table.insert(), [{k: v for k, v in row.items() if k in columns} for row in rows[table.name]]
            )
            if connection.dialect.name == "postgresql" and "id" in columns:
                # the ids were given: the sequence starts after them, as it would have
                sequence = f"pg_get_serial_sequence('{table.name}', 'id')"
                connection.execute(text(f"SELECT setval({sequence}, max(id)) FROM {table.name}"))


def slack_messages(refs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The Slack messages among external references, as ``slack_messages`` held them."""
    return [
        {"id": r["id"], "incident_id": r["incident_id"], "purpose": r["purpose"]}
        | {"channel_id": r["container"], "ts": r["external_id"]}
        for r in refs
        if r["system"] == "slack" and r["external_id"] and r["container"]
    ]


def old_database(database_url: str, revision: str) -> dict[str, int]:
    """The database at ``revision``, full of incidents; returns their ids by name."""
    upgrade(database_url)
    engine = make_engine(database_url)
    try:
        ids = fill(make_session_factory(engine))
        load_at(engine, database_url, revision, dump(engine))
    finally:
        engine.dispose()
    return ids
