"""How much a scheduler tick costs: with N open incidents and nothing due, and with K rows due.

Run: .venv/bin/python benchmarks/tick_cost.py [DATABASE_URL]
Counts the SQL statements one tick issues (the target: one indexed query when nothing is due)
and times it. Uses a throwaway SQLite file unless a URL is given.
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event

from bot import work
from bot.db.engine import make_engine, make_session_factory, transaction
from bot.db.migrate import upgrade
from bot.db.models import Incident, ScheduledWork

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def main() -> None:
    url = sys.argv[1] if len(sys.argv) > 1 else f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
    upgrade(url)
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *a: statements.append(str(a[2])))
    for open_incidents in (10, 1000, 10000):
        with transaction(sessions) as session:
            session.execute(ScheduledWork.__table__.delete())
            session.execute(Incident.__table__.delete())
            for n in range(open_incidents):
                incident = Incident(
                    year=2026, number=n + 1, title=f"t{n}", severity="P1", declared_by="U0A", declared_at=NOW
                )
                session.add(incident)
                session.flush()
                work.schedule(
                    session, incident.id, work.UPDATE_REMINDER, NOW + timedelta(minutes=15 + n % 60)
                )
        statements.clear()
        runs = 200
        start = time.perf_counter()
        for _ in range(runs):
            assert work.claim(sessions, NOW, timedelta(minutes=5), limit=1) == []
        per_tick = (time.perf_counter() - start) / runs * 1000
        selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
        print(
            f"{open_incidents:>6} open incidents, nothing due: {per_tick:.3f} ms/tick, "
            f"{len(selects) / runs:.0f} SELECT per tick, {len(statements) / runs:.0f} statements per tick"
        )
        explain: Any = None
        if url.startswith("sqlite"):
            with engine.connect() as connection:
                explain = connection.exec_driver_sql(
                    "EXPLAIN QUERY PLAN SELECT id FROM scheduled_work WHERE due_at <= ? "
                    "ORDER BY due_at LIMIT 1",
                    ("2026-11-23 12:00:00.000000",),
                ).fetchall()
            print("        plan:", "; ".join(str(row[-1]) for row in explain))
    engine.dispose()


if __name__ == "__main__":
    main()
