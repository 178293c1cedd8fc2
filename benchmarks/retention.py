"""Bounded tables: the outbox after 10,000 incidents over 60 days, with OUTBOX_RETENTION at 30 days,
beside the same run without forgetting (the floor is what it would otherwise hold). In-process on
SQLite with an injected clock: each day's incidents are declared, their effects delivered, and the
retention job runs as the scheduler would.

Run: .venv/bin/python benchmarks/retention.py [INCIDENTS] [DAYS]
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from common import machine
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.config.policy import Policy
from bot.config.settings import Settings
from bot.db.engine import make_engine, make_session_factory, transaction
from bot.db.migrate import upgrade
from bot.db.models import Incident, OutboxEffect, TimelineEvent
from bot.incidents import declare as declaring
from bot.rendering import Renderer
from bot.runtime.context import Context
from schedules import retention

START = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)


def count(sessions: sessionmaker[Session], model: type) -> int:
    with sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def run(incidents: int, days: int, forget: bool) -> list[tuple[int, int, int, int]]:
    url = f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
    upgrade(url)
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    policy, per_day = Policy(), max(incidents // days, 1)
    settings = Settings(_env_file=None, outbox_retention="30d")
    sizes = []
    for day in range(days):
        now = START + timedelta(days=day)
        for n in range(per_day):
            declaration = declaring.validate(
                policy, title=f"Outage {day}-{n}", severity="P3", declared_by="U0A"
            )
            declaring.declare(sessions, policy, declaration, now)
        with transaction(sessions) as session:  # Slack took it all
            session.execute(
                update(OutboxEffect)
                .where(OutboxEffect.state == "pending")
                .values(state="delivered", delivered_at=now)
            )
        if forget:
            at = [now + timedelta(hours=23)]

            def clock(at: list[datetime] = at) -> datetime:
                return at[0]

            ctx = Context(
                settings=settings,
                policy=policy,
                engine=engine,
                sessions=sessions,
                render=Renderer(),
                clock=clock,
            )
            while retention.forget_old(ctx):  # ten-minute runs, as many as it takes
                at[0] += retention.EVERY
        if (day + 1) % 10 == 0:
            sizes.append(
                (
                    day + 1,
                    count(sessions, Incident),
                    count(sessions, TimelineEvent),
                    count(sessions, OutboxEffect),
                )
            )
    engine.dispose()
    return sizes


def main() -> None:
    incidents = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    days = int(sys.argv[2]) if len(sys.argv) > 2 else 60
    print(machine())
    started = time.perf_counter()
    kept = run(incidents, days, forget=True)
    floor = run(incidents, days, forget=False)
    print(f"({time.perf_counter() - started:.0f} s)")
    print(
        "| day | incidents | timeline events | outbox rows, 30-day retention | outbox rows, never forgotten |"
    )
    print("|---|---|---|---|---|")
    for (day, inc, events, rows), (_, _, _, all_rows) in zip(kept, floor, strict=True):
        print(f"| {day} | {inc:,} | {events:,} | {rows:,} | {all_rows:,} |")


if __name__ == "__main__":
    main()
