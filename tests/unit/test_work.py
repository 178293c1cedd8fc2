"""Scheduled work: claimed once, rescheduled or finished, never lost."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot import work
from bot.db.engine import transaction
from bot.db.models import ScheduledWork
from bot.incidents import declare as declaring
from bot.policy import Policy

NOW = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
LEASE = timedelta(minutes=5)


def incident_ids(sessions: sessionmaker[Session], count: int) -> list[int]:
    policy = Policy()
    ids = []
    for n in range(count):
        declaration = declaring.validate(policy, title=f"t{n}", severity="P3", declared_by="U0A")
        ids.append(declaring.declare(sessions, policy, declaration, NOW)[0].id)
    with transaction(sessions) as session:
        session.execute(ScheduledWork.__table__.delete())
    return ids


def test_claim_only_what_is_due_and_only_once(sessions: sessionmaker[Session]) -> None:
    first, second = incident_ids(sessions, 2)
    with transaction(sessions) as session:
        work.schedule(session, first, "job", NOW)
        work.schedule(session, second, "job", NOW + timedelta(minutes=1))
    claimed = work.claim(sessions, NOW, LEASE)
    assert [c.incident_id for c in claimed] == [first]
    assert work.claim(sessions, NOW, LEASE) == []  # leased
    later = work.claim(sessions, NOW + LEASE + timedelta(minutes=1), LEASE)  # the lease ran out
    assert [c.incident_id for c in later] == [first, second]  # oldest due first


def test_finish_reschedules_or_deletes_but_respects_a_newer_time(sessions: sessionmaker[Session]) -> None:
    [incident] = incident_ids(sessions, 1)
    with transaction(sessions) as session:
        work.schedule(session, incident, "job", NOW)
    [claimed] = work.claim(sessions, NOW, LEASE)
    work.finish(sessions, claimed, NOW + timedelta(minutes=15))
    with sessions() as session:
        assert work.due_at(session, incident, "job") == NOW + timedelta(minutes=15)
    [claimed] = work.claim(sessions, NOW + timedelta(minutes=15), LEASE)
    with transaction(sessions) as session:  # an update resets the clock while the reminder is out
        work.schedule(session, incident, "job", NOW + timedelta(minutes=40))
    work.finish(sessions, claimed, NOW + timedelta(minutes=30))
    with sessions() as session:
        assert work.due_at(session, incident, "job") == NOW + timedelta(minutes=40)
    [claimed] = work.claim(sessions, NOW + timedelta(minutes=40), LEASE)
    work.finish(sessions, claimed, None)
    with sessions() as session:
        assert work.due_at(session, incident, "job") is None


def test_failures_back_off_and_count(sessions: sessionmaker[Session]) -> None:
    [incident] = incident_ids(sessions, 1)
    with transaction(sessions) as session:
        work.schedule(session, incident, "job", NOW)
    [claimed] = work.claim(sessions, NOW, LEASE)
    work.failed(sessions, claimed, "ratelimited", NOW + timedelta(seconds=30))
    assert work.claim(sessions, NOW + timedelta(seconds=10), LEASE) == []
    [again] = work.claim(sessions, NOW + timedelta(seconds=30), LEASE)
    assert again.attempts == 1
    with sessions() as session:
        assert session.scalars(select(ScheduledWork.last_error)).one() == "ratelimited"


def test_concurrent_claimers_never_share_a_row(sessions: sessionmaker[Session]) -> None:
    ids = incident_ids(sessions, 30)
    with transaction(sessions) as session:
        for incident in ids:
            work.schedule(session, incident, "job", NOW)
    got: list[int] = []
    lock = threading.Lock()
    barrier = threading.Barrier(4)

    def worker() -> None:
        barrier.wait()
        while True:
            claimed = work.claim(sessions, NOW, LEASE, limit=3)
            if not claimed:
                return
            with lock:
                got.extend(c.id for c in claimed)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(got) == sorted(set(got)) and len(got) == 30
