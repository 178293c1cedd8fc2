"""What one claim costs with a long lane waiting: 0, 10,000 and 100,000 pending effects in one lane
whose head cannot go yet (its channel's next post slot is a minute away), older than 200 ready
effects in 200 other lanes. Each claim must find a ready head past the long lane. The floor, in the
same run: the same claims with nothing else pending.

In-process (no bot, no Slack): the outbox's own claim, on SQLite or, given a URL, a fresh schema in
PostgreSQL.

Run: .venv/bin/python benchmarks/claim_cost.py [POSTGRESQL_URL] [N ...]
"""

from __future__ import annotations

import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from common import machine, percentile
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session, sessionmaker

from bot.db.engine import make_engine, make_session_factory, transaction
from bot.db.migrate import upgrade
from bot.db.models import OutboxLane
from bot.outbox import store as outbox
from bot.outbox.store import Known

NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
KNOWN = Known(kinds=frozenset({"post"}), paced=frozenset({"post"}))
READY = 200
LONG = "channel:CLONG"  # + a number: the long lane(s)


def fill(sessions: sessionmaker[Session], long: int, lanes: int = 1) -> None:
    """``long`` effects waiting behind heads that cannot go yet, in one lane or spread over ``lanes``."""
    earlier = NOW - timedelta(hours=1)
    with transaction(sessions) as session:
        for n in range(lanes):
            session.add(OutboxLane(lane=f"{LONG}{n}", next_post_at=NOW + timedelta(minutes=1)))
        with outbox.together(session):
            for n in range(long):
                outbox.owe(session, key=f"long/{n}", kind="post", lane=f"{LONG}{n % lanes}", now=earlier)
        with outbox.together(session):
            for n in range(READY):
                outbox.owe(session, key=f"ready/{n}", kind="post", lane=f"channel:C{n:05d}", now=NOW)


def claims(sessions: sessionmaker[Session]) -> list[float]:
    took = []
    for _ in range(READY):
        start = time.perf_counter()
        claimed = outbox.claim(sessions, NOW, timedelta(seconds=30), KNOWN)
        took.append((time.perf_counter() - start) * 1000)
        assert claimed is not None and not claimed.lane.startswith(LONG)
        outbox.delivered(sessions, claimed, NOW, {"ok": True}, timedelta(0))
    return took


def run(base: str, long: int, lanes: int = 1) -> list[float]:
    schema = f"claims_{uuid.uuid4().hex[:8]}"
    if base:
        with create_engine(base).begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = f"{base}?options=-csearch_path%3D{schema}"
    else:
        url = f"sqlite:///{Path(tempfile.mkdtemp()) / 'claims.db'}"
    upgrade(url)
    engine = make_engine(url)
    try:
        sessions = make_session_factory(engine)
        fill(sessions, long, lanes)
        if base:  # as autovacuum's analyze leaves it (before it runs, see docs/benchmarks.md)
            with sessions() as session:
                session.execute(text("ANALYZE outbox"))
                session.commit()
        return claims(sessions)
    finally:
        engine.dispose()
        if base:
            with create_engine(base).begin() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


def main() -> None:
    base = sys.argv[1] if len(sys.argv) > 1 else ""
    sizes = [int(n) for n in sys.argv[2:]] or [0, 10_000, 100_000]
    print(
        f"Claim cost, {READY} claims past one long lane, {'PostgreSQL' if base else 'SQLite'} ({machine()})\n"
    )
    print("| waiting behind heads that cannot go | p50 | p99 | max | × the floor (p50) |")
    print("|---|---|---|---|---|")
    floor = 0.0
    cases = [(long, 1) for long in sizes] + [(sizes[-1], 2_000)]
    for long, lanes in cases:
        took = run(base, long, lanes)
        p50 = percentile(took, 50)
        floor = floor or p50
        where = "in one lane" if lanes == 1 else f"over {lanes:,} lanes"
        print(
            f"| {long:,} {where} | {p50:.2f} ms | {percentile(took, 99):.2f} ms | {max(took):.2f} ms "
            f"| {p50 / floor:.1f}× |"
        )


if __name__ == "__main__":
    main()
