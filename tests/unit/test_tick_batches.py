"""A burst of due work is done a batch per transaction, in one savepoint: one job that raises is
retried later while the rest of its batch stands, and a row a job cancelled or moved is not done."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.app.factory import _wake_after_commit
from bot.config.policy import Policy
from bot.config.settings import Settings
from bot.db.models import Incident, ScheduledWork, TimelineEvent
from bot.incidents import declare as declaring
from bot.incidents import work
from bot.rendering import Renderer
from bot.runtime.context import Context
from schedules import jobs, runner

NOW = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
POLICY = Policy()
LATER = NOW + timedelta(hours=1)  # every P1's first reminder is due by then


def context(engine: Engine, sessions: sessionmaker[Session]) -> Context:
    settings = Settings(_env_file=None)
    return Context(
        settings=settings,
        policy=POLICY,
        engine=engine,
        sessions=sessions,
        render=Renderer(),
        clock=lambda: LATER,
    )


def declare(sessions: sessionmaker[Session], count: int) -> list[Incident]:
    made = []
    for n in range(count):
        declaration = declaring.validate(
            POLICY, title=f"Outage {n}", severity="P1", declared_by="U0A", commander="U0A"
        )
        made.append(declaring.declare(sessions, POLICY, declaration, NOW)[0])
    return made


def reminded(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        query = select(func.count()).select_from(TimelineEvent).where(TimelineEvent.kind == "reminder_sent")
        return int(session.scalar(query) or 0)


def test_a_burst_beyond_one_batch_is_all_done_in_one_tick_each_row_once(
    engine: Engine, sessions: sessionmaker[Session]
) -> None:
    count = 3 * runner.BATCH + 5  # (on PostgreSQL, two deciders share the burst)
    declare(sessions, count)
    with sessions() as session:  # escalations too are due by then; the reminders are what we count
        due = session.scalars(select(ScheduledWork).where(ScheduledWork.due_at <= LATER)).all()
        assert len([r for r in due if r.kind == work.UPDATE_REMINDER]) == count
    runner.tick(context(engine, sessions))
    assert reminded(sessions) == count
    with sessions() as session:
        each = session.execute(
            select(TimelineEvent.incident_id, func.count())
            .where(TimelineEvent.kind.in_(["reminder_sent", "escalated"]))
            .group_by(TimelineEvent.incident_id, TimelineEvent.kind)
        ).all()
        assert {n for _, n in each} == {1}  # no row was done twice
    with sessions() as session:
        assert session.scalars(select(ScheduledWork).where(ScheduledWork.due_at <= LATER)).first() is None


def test_a_job_that_raises_is_retried_later_and_its_batch_stands(
    engine: Engine, sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    incidents = declare(sessions, 5)
    broken = incidents[2].id
    real = jobs.JOBS[work.UPDATE_REMINDER]

    def remind(session: Session, policy: Policy, incident: Incident, row: ScheduledWork, now: datetime):  # type: ignore[no-untyped-def]
        if incident.id == broken:
            session.add(TimelineEvent(incident_id=incident.id, kind="reminder_sent", at=now, details={}))
            session.flush()  # written, then rolled back with its savepoint
            raise RuntimeError("a bug")
        return real(session, policy, incident, row, now)

    monkeypatch.setitem(jobs.JOBS, work.UPDATE_REMINDER, remind)
    assert runner.run_due(context(engine, sessions), runner.BATCH) >= 5
    assert reminded(sessions) == 4
    with sessions() as session:
        row = session.scalars(
            select(ScheduledWork).where(
                ScheduledWork.incident_id == broken, ScheduledWork.kind == work.UPDATE_REMINDER
            )
        ).one()
        assert row.attempts == 1 and row.due_at > LATER and "a bug" in (row.last_error or "")


def test_a_row_an_earlier_job_in_the_batch_cancelled_or_moved_is_not_done(
    engine: Engine, sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = declare(sessions, 2)
    with sessions() as session:  # the declarations' escalations: not what this test is about
        session.execute(ScheduledWork.__table__.delete().where(ScheduledWork.kind != work.UPDATE_REMINDER))  # type: ignore[attr-defined]
        session.commit()
    with sessions.begin() as session:  # each incident has a follow-up reminder due after its update reminder
        for incident in (first, second):
            work.schedule(session, incident.id, work.FOLLOW_UP, LATER - timedelta(minutes=1), key="7")
            work.schedule(session, incident.id, work.UPDATE_REMINDER, LATER - timedelta(minutes=2))
    done: list[tuple[int, str]] = []
    real = jobs.JOBS[work.UPDATE_REMINDER]

    def remind(session: Session, policy: Policy, incident: Incident, row: ScheduledWork, now: datetime):  # type: ignore[no-untyped-def]
        done.append((incident.id, row.kind))
        if incident.id == first.id:  # the first cancels its follow-up's reminder
            work.cancel(session, incident.id, work.FOLLOW_UP)
        else:  # the second moves it to tomorrow
            work.schedule(session, incident.id, work.FOLLOW_UP, LATER + timedelta(days=1), key="7")
        return real(session, policy, incident, row, now)

    def follow_up(session: Session, policy: Policy, incident: Incident, row: ScheduledWork, now: datetime):  # type: ignore[no-untyped-def]
        done.append((incident.id, row.kind))

    monkeypatch.setitem(jobs.JOBS, work.UPDATE_REMINDER, remind)
    monkeypatch.setitem(jobs.JOBS, work.FOLLOW_UP, follow_up)
    assert runner.run_due(context(engine, sessions), runner.BATCH) == 2
    assert sorted(done) == sorted([(first.id, work.UPDATE_REMINDER), (second.id, work.UPDATE_REMINDER)])
    with sessions() as session:
        assert work.due_at(session, first.id, work.FOLLOW_UP, "7") is None
        assert work.due_at(session, second.id, work.FOLLOW_UP, "7") == LATER + timedelta(days=1)


def test_a_job_that_raises_last_does_not_keep_the_others_effects_waiting(
    engine: Engine, sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    first, broken = declare(sessions, 2)
    with sessions.begin() as session:  # the broken one's reminder is done last
        work.schedule(session, first.id, work.UPDATE_REMINDER, LATER - timedelta(minutes=2))
        work.schedule(session, broken.id, work.UPDATE_REMINDER, LATER - timedelta(minutes=1))
    real = jobs.JOBS[work.UPDATE_REMINDER]

    def remind(session: Session, policy: Policy, incident: Incident, row: ScheduledWork, now: datetime):  # type: ignore[no-untyped-def]
        if incident.id == broken.id:
            raise RuntimeError("a bug")
        return real(session, policy, incident, row, now)

    monkeypatch.setitem(jobs.JOBS, work.UPDATE_REMINDER, remind)
    ctx = context(engine, sessions)
    woken: list[bool] = []
    ctx.wake = lambda: woken.append(True)
    _wake_after_commit(ctx)
    runner.run_due(ctx, runner.BATCH)
    assert reminded(sessions) == 1
    assert woken  # the first's reminder is sent at once, not at the delivery workers' next look
