"""Scheduled work: taken once, in a transaction with its decision; rescheduled or done; never lost."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import cast

from sqlalchemy import Table, select
from sqlalchemy.orm import Session, sessionmaker

from bot.config.policy import Policy
from bot.db.engine import transaction
from bot.db.models import ScheduledWork
from bot.incidents import declare as declaring
from bot.incidents import work

NOW = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)


def incident_ids(sessions: sessionmaker[Session], count: int) -> list[int]:
    policy = Policy()
    ids = []
    for n in range(count):
        declaration = declaring.validate(policy, title=f"t{n}", severity="P3", declared_by="U0A")
        ids.append(declaring.declare(sessions, policy, declaration, NOW)[0].id)
    with transaction(sessions) as session:
        session.execute(cast(Table, ScheduledWork.__table__).delete())
    return ids


def take(sessions: sessionmaker[Session], now: datetime, again: datetime | None = None) -> int | None:
    """Take the oldest due row (its incident id) and finish it, as a tick does."""
    with transaction(sessions) as session:
        rows, _ = work.lock_due(session, now, 1)
        if not rows:
            return None
        row = rows[0]
        work.done(session, row, again)
        return row.incident_id


def test_take_only_what_is_due_oldest_first(sessions: sessionmaker[Session]) -> None:
    first, second = incident_ids(sessions, 2)
    with transaction(sessions) as session:
        work.schedule(session, second, "job", NOW + timedelta(minutes=1))
        work.schedule(session, first, "job", NOW)
    assert take(sessions, NOW - timedelta(seconds=1)) is None
    assert take(sessions, NOW + timedelta(minutes=5)) == first
    assert take(sessions, NOW + timedelta(minutes=5)) == second
    assert take(sessions, NOW + timedelta(minutes=5)) is None


def test_done_reschedules_or_deletes(sessions: sessionmaker[Session]) -> None:
    [incident] = incident_ids(sessions, 1)
    with transaction(sessions) as session:
        work.schedule(session, incident, "job", NOW)
    assert take(sessions, NOW, again=NOW + timedelta(minutes=15)) == incident
    with sessions() as session:
        assert work.due_at(session, incident, "job") == NOW + timedelta(minutes=15)
    assert take(sessions, NOW + timedelta(minutes=10)) is None
    assert take(sessions, NOW + timedelta(minutes=15)) == incident
    with sessions() as session:
        assert work.due_at(session, incident, "job") is None


def test_a_rolled_back_decision_leaves_the_row_due(sessions: sessionmaker[Session]) -> None:
    [incident] = incident_ids(sessions, 1)
    with transaction(sessions) as session:
        work.schedule(session, incident, "job", NOW)
    try:
        with transaction(sessions) as session:
            [row], _ = work.lock_due(session, NOW, 1)
            work.done(session, row, None)
            raise RuntimeError("the replica died before the commit")
    except RuntimeError:
        pass
    assert take(sessions, NOW) == incident  # nothing was lost


def test_failures_back_off_and_count(sessions: sessionmaker[Session]) -> None:
    [incident] = incident_ids(sessions, 1)
    with transaction(sessions) as session:
        work.schedule(session, incident, "job", NOW)
    with transaction(sessions) as session:
        work.failed(session.scalars(select(ScheduledWork)).one(), "a bug", NOW + timedelta(seconds=30))
    assert take(sessions, NOW + timedelta(seconds=10)) is None
    with sessions() as session:
        stored = session.scalars(select(ScheduledWork)).one()
        assert (stored.attempts, stored.last_error) == (1, "a bug")
    assert take(sessions, NOW + timedelta(seconds=30)) == incident


def test_concurrent_takers_never_share_a_row(sessions: sessionmaker[Session]) -> None:
    ids = incident_ids(sessions, 30)
    with transaction(sessions) as session:
        for incident in ids:
            work.schedule(session, incident, "job", NOW)
    got: list[int] = []
    lock = threading.Lock()
    barrier = threading.Barrier(4)

    def worker() -> None:
        barrier.wait()
        while (taken := take(sessions, NOW)) is not None:
            with lock:
                got.append(taken)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(got) == sorted(ids)
