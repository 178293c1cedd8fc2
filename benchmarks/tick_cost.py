"""What a scheduler tick costs when nothing is due, with N open incidents each owing a reminder later.

Run: .venv/bin/python benchmarks/tick_cost.py [DATABASE_URL] [N ...]
The tick is the scheduler's own code (``schedules.runner``): one transaction with one indexed SELECT
(… FOR UPDATE SKIP LOCKED on PostgreSQL) for the oldest due row, then one read of whether any
incident changed (for the App Home overviews). Beside it, the delivery workers' one read for a
deliverable outbox effect. Uses a throwaway SQLite file unless a URL is given (or "" for it, to
name sizes); on PostgreSQL give an empty database.
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import cast

from common import machine, percentile
from sqlalchemy import Table, event, insert
from sqlalchemy.orm import Session, sessionmaker

from bot.db.engine import make_engine, make_session_factory, transaction
from bot.db.migrate import upgrade
from bot.db.models import Incident, ScheduledWork
from bot.incidents import work
from bot.outbox import store as outbox
from bot.runtime.context import Context
from schedules import runner

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def fill(sessions: sessionmaker[Session], count: int) -> None:
    with transaction(sessions) as session:
        session.execute(cast(Table, ScheduledWork.__table__).delete())
        session.execute(cast(Table, Incident.__table__).delete())
        rows = [
            {"id": n + 1, "year": 2026, "number": n + 1, "title": f"t{n}", "severity": "P1",
             "status": "Investigating", "impact": "", "description": "", "service": "", "declared_by": "U0A",
             "declared_at": NOW,
             "is_private": False, "summary": "", "root_cause": "", "fix": "", "fields": {}, "is_drill": False}
            for n in range(count)
        ]  # fmt: skip
        for start in range(0, count, 5000):
            session.execute(insert(Incident), rows[start : start + 5000])
        due = [
            {"incident_id": n + 1, "kind": work.UPDATE_REMINDER, "key": "", "attempts": 0, "details": {},
             "due_at": NOW + timedelta(minutes=15, seconds=n % 900)}
            for n in range(count)
        ]  # fmt: skip
        for start in range(0, count, 5000):
            session.execute(insert(ScheduledWork), due[start : start + 5000])


def main() -> None:
    url = (len(sys.argv) > 1 and sys.argv[1]) or f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
    sizes = [int(n) for n in sys.argv[2:]] or [10, 1000, 10000, 100000]
    upgrade(url)
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    # All a tick touches when nothing is due: the database and the clock.
    ctx = cast(Context, SimpleNamespace(sessions=sessions, clock=lambda: NOW))
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *a: statements.append(str(a[2])))
    print(f"Scheduler tick with nothing due ({url.split(':')[0]}; {machine()})\n")
    print("| open incidents | tick p50 | tick p99 | outbox claim p50 | statements per tick |")
    print("|---|---|---|---|---|")
    for size in sizes:
        fill(sessions, size)
        ticks: list[float] = []
        claims: list[float] = []
        statements.clear()
        overviews = runner.Overviews()
        for _ in range(300):
            start = time.perf_counter()
            soonest = runner.tick(ctx)  # what the scheduler runs every tick: due work (none here),
            overviews.refresh(ctx)  # then the App Home overviews if any incident changed
            assert soonest is not None and soonest > NOW
            ticks.append(time.perf_counter() - start)
        per_tick = len(statements) / 300
        for _ in range(300):
            start = time.perf_counter()
            assert (
                outbox.claim(sessions, NOW, timedelta(seconds=30), outbox.Known(frozenset({"post"}))) is None
            )
            claims.append(time.perf_counter() - start)
        print(
            f"| {size:,} | {percentile(ticks, 50) * 1000:.2f} ms | {percentile(ticks, 99) * 1000:.2f} ms "
            f"| {percentile(claims, 50) * 1000:.2f} ms | {per_tick:.0f} |"
        )
    engine.dispose()


if __name__ == "__main__":
    main()
