"""The scheduler: APScheduler 3 runs a short tick; the database says what is due.

APScheduler keeps only the tick itself, in memory (its job stores must never be shared between
processes). Due work lives in the ``scheduled_work`` table, so a restart loses nothing and
several replicas never do the same work twice: each tick takes due rows one at a time, each in
its own transaction with the decision it leads to (see ``bot.incidents.work``). When work comes due before
the next tick (the table says so after a tick; a commit that scheduled it says so at once), one
extra run is set for that moment: a reminder goes when it is due, not up to a tick later.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.db.engine import transaction
from bot.db.health import is_contention
from bot.db.models import Incident, ScheduledWork, TimelineEvent
from bot.db.writers import background
from bot.incidents import effects, work
from bot.integrations.trackers.spec import Tracker
from bot.outbox.retry import RetryPolicy
from bot.runtime.context import Context
from schedules import retention, tracker_sync
from schedules.jobs import JOBS

log = logging.getLogger(__name__)

# A job that raised (a bug) is tried again after a minute, then less and less often, up to hourly.
JOB_RETRY = RetryPolicy(first=60, longest=3600)
# A tick handles at most this many rows, so one tick never runs for long.
MAX_PER_TICK = 500
# Due rows done in one transaction (a burst of reminders takes a few turns at the database).
BATCH = 20
# Transactions deciding at once in a burst, on PostgreSQL (each locks the rows it takes, skipping
# those another holds, as two replicas' ticks do); SQLite takes one writer at a time.
DECIDERS = 2


def tick(ctx: Context) -> datetime | None:
    """Do what is due, up to ``BATCH`` rows per transaction (each in its own savepoint); more than a
    batch due at once (a burst), on PostgreSQL, in ``DECIDERS`` transactions at a time: while one
    waits for the database the other works. Returns when the next row comes due (None: no row is
    waiting; now or earlier: this tick stopped at ``MAX_PER_TICK``)."""
    budget = _Budget(MAX_PER_TICK)
    if _decide(ctx, budget, once=True):  # a full batch: perhaps a burst
        more = _deciders(ctx) - 1
        helpers = [threading.Thread(target=_decide_helping, args=(ctx, budget)) for _ in range(more)]
        for helper in helpers:
            helper.start()
        try:
            _decide(ctx, budget)
        finally:  # (the tick is not over, nor may the next begin, while a helper decides)
            for helper in helpers:
                helper.join()
    with ctx.sessions() as session:
        return work.next_due(session)


class _Budget:
    """The rows a tick may still take, shared by its deciders."""

    def __init__(self, rows: int) -> None:
        self._left = rows
        self._lock = threading.Lock()

    def take(self) -> int:
        with self._lock:
            n = min(BATCH, self._left)
            self._left -= n
            return n

    def give_back(self, n: int) -> None:
        with self._lock:
            self._left += n


def _deciders(ctx: Context) -> int:
    return DECIDERS if ctx.sessions.kw["bind"].dialect.name == "postgresql" else 1


def _decide(ctx: Context, budget: _Budget, once: bool = False) -> bool:
    """Do batches until fewer than a batch are due (or the budget is spent; ``once``: one batch);
    True when the last batch was full (more may be due)."""
    while n := budget.take():
        done = 0
        try:
            done = run_due(ctx, n)
        finally:
            budget.give_back(n - done)
        if done < n:
            return False
        if once:
            return True
    return False


def _decide_helping(ctx: Context, budget: _Budget) -> None:
    with background():
        try:
            _decide(ctx, budget)
        except Exception as exc:  # the tick's own decider goes on; what this one left is due still
            if is_contention(exc):
                log.warning("a scheduler decider waited too long for the database; the next tick goes on")
            elif not ctx.database.failed(exc):
                log.exception("deciding due work failed")


def run_due(ctx: Context, limit: int) -> int:
    """Take up to ``limit`` due rows, oldest first, and do them in one transaction: a burst of
    reminders falling due together takes a few turns at the database, not one per reminder. A job
    that fails is retried later, and the others stand. Returns how many rows were handled."""
    now = ctx.clock()
    with transaction(ctx.sessions) as session:
        rows, incidents = work.lock_due(session, now, limit)  # (kept: the session holds them weakly)
        handled = _run_all(ctx, session, rows, now)
        del incidents
    # what the people who run the bot watch, once it is committed
    for kind, key, due, sent, fired in handled:
        if kind == work.UPDATE_REMINDER and sent:  # (not sent: nothing was due any more)
            ctx.metrics.reminders.inc()
            ctx.metrics.reminder_lateness.observe(max((now - due).total_seconds(), 0.0))
        if fired:
            ctx.metrics.escalations.labels("at_declare" if key.endswith(":declare") else "tier").inc()
    return len(handled)


Handled = tuple[str, str, datetime, bool, bool]  # kind, key, due, sent (due again), escalation fired


def _run_all(ctx: Context, session: Session, rows: list[ScheduledWork], now: datetime) -> list[Handled]:
    """Do the locked rows in one savepoint (two round trips for the batch, not two a row); when a
    job raises, that savepoint is rolled back and each row is done again in its own, so the one
    that failed is retried later and the others stand."""
    try:
        with session.begin_nested():
            return [_run(ctx, session, row, now) for row in _each_due(session, rows, now)]
    except Exception as exc:
        if ctx.database.failed(exc):
            raise
    rows = work.still_due(session, rows, now)  # (all of them: the savepoint undid every job)
    return [_run_alone(ctx, session, row, now) for row in _each_due(session, rows, now)]


def _each_due(session: Session, rows: list[ScheduledWork], now: datetime) -> Iterator[ScheduledWork]:
    """The rows in turn, each while it is still due: when a job changed the scheduled work of an
    incident with rows still to come (rescheduled or cancelled them), those are read again."""
    session.info.pop(work.CHANGED, None)
    left = list(rows)
    while left:
        row = left.pop(0)
        yield row
        changed = session.info.pop(work.CHANGED, set())
        if any(later.incident_id in changed for later in left):
            left = work.still_due(session, left, now)


def _run_alone(ctx: Context, session: Session, row: ScheduledWork, now: datetime) -> Handled:
    """Do one row in its own savepoint: a job that raises (a bug) leaves the row due again later,
    after a back-off, with the error noted."""
    due = row.due_at
    try:
        with session.begin_nested():
            return _run(ctx, session, row, now)
    except Exception as exc:
        if ctx.database.failed(exc):
            raise
        backoff = JOB_RETRY.delay(row.attempts + 1)
        ref = session.get_one(Incident, row.incident_id).ref
        log.exception("scheduled %s for %s failed; retrying in %s", row.kind, ref, backoff)
        work.failed(row, repr(exc), now + backoff)
        session.flush()
        return row.kind, row.key, due, False, False


def _run(ctx: Context, session: Session, row: ScheduledWork, now: datetime) -> Handled:
    """Do one due row in the open transaction (and savepoint)."""
    due, kind, key = row.due_at, row.kind, row.key
    job = JOBS.get(kind)
    if job is None:
        log.error("no job for scheduled work of kind %r; dropping it", kind)
        session.delete(row)
        session.flush()
        return kind, key, due, False, False
    incident = session.get_one(Incident, row.incident_id)
    before = _escalated(session, incident.id) if kind == work.ESCALATION else 0
    again = job(session, ctx.policy, incident, row, now)
    work.done(session, row, again)
    session.flush()
    log.info("%s: %s handled", incident.ref, kind.replace("_", " "))
    fired = kind == work.ESCALATION and _escalated(session, incident.id) > before
    return kind, key, due, again is not None, fired


def _escalated(session: Session, incident_id: int) -> int:
    query = select(func.count(TimelineEvent.id)).where(
        TimelineEvent.incident_id == incident_id, TimelineEvent.kind == "escalated"
    )
    return int(session.scalar(query) or 0)


class _TickStillRunning(logging.Filter):
    """A tick skipped because the last one still runs is expected (a busy moment, a fast demo clock):
    the running tick does the work, so it is no warning."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "maximum number of running instances reached" not in record.getMessage()


SKIPPED_TICK = _TickStillRunning()


def make_scheduler(ctx: Context, tracker: Tracker | None = None) -> BackgroundScheduler:
    # One line per tick at INFO is noise; APScheduler's own warnings still show, but a skipped tick.
    logging.getLogger("apscheduler.executors.default").setLevel(logging.WARNING)
    scheduling = logging.getLogger("apscheduler.scheduler")
    scheduling.setLevel(logging.WARNING)
    scheduling.addFilter(SKIPPED_TICK)
    scheduler = BackgroundScheduler(timezone="UTC")
    ticker = Ticker(ctx, scheduler)
    ctx.work_due = ticker.consider
    scheduler.add_job(
        ticker,
        "interval",
        seconds=ctx.settings.scheduler_tick,
        id="tick",
        max_instances=1,
        coalesce=True,
        misfire_grace_time=None,
    )
    scheduler.add_job(  # bounded tables: old delivered effects forgotten (one replica at a time)
        lambda: _forget_old(ctx),
        "interval",
        seconds=min(retention.EVERY.total_seconds(), ctx.settings.scheduler_tick * 20),
        id="retention",
        max_instances=1,
        coalesce=True,
        misfire_grace_time=None,
    )
    if tracker is not None:  # the tickets' states, read back (one replica at a time)
        scheduler.add_job(
            lambda: _sync_tickets(ctx, tracker),
            "interval",
            seconds=min(ctx.settings.tracker_sync, ctx.settings.scheduler_tick * 4),
            id="tracker-sync",
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
        )
    return scheduler


def _forget_old(ctx: Context) -> None:
    try:
        retention.forget_old(ctx)
    except Exception as exc:
        if not ctx.database.failed(exc) and not is_contention(exc):
            log.exception("forgetting old rows failed; the next run tries again")


def _sync_tickets(ctx: Context, tracker: Tracker) -> None:
    try:
        with background():
            tracker_sync.sync(ctx, tracker)
    except Exception as exc:
        if not ctx.database.failed(exc) and not is_contention(exc):
            log.exception("reading the tracker failed")


class Ticker:
    """The tick, run every ``SCHEDULER_TICK`` seconds and once more when work comes due sooner."""

    SOON = "tick-soon"

    def __init__(self, ctx: Context, scheduler: BackgroundScheduler) -> None:
        self.ctx, self.scheduler = ctx, scheduler
        self.overviews = Overviews()
        self._running = threading.Lock()  # the regular tick and the extra run never overlap
        self._lock = threading.Lock()
        self._extra: datetime | None = None  # when the extra run is set for (the clock's time)

    def __call__(self) -> None:
        if not self._running.acquire(blocking=False):
            return  # the run in progress sets the next one when it ends
        with self._lock:
            self._extra = None
        try:
            soonest = safe_tick(self.ctx, self.overviews)
        finally:
            self._running.release()
        if soonest is not None:
            self.consider(soonest)

    def consider(self, due: datetime) -> None:
        """Work comes due at ``due``: run then if the regular tick would come later."""
        wait = (due - self.ctx.clock()).total_seconds()
        if wait >= self.ctx.settings.scheduler_tick:
            return  # a regular tick sees it first
        with self._lock:
            if self._extra is not None and self._extra <= due:
                return
            self._extra = due
            self.scheduler.add_job(
                self,
                "date",
                run_date=datetime.now(UTC) + timedelta(seconds=max(wait, 0.0)),
                id=self.SOON,
                replace_existing=True,
                misfire_grace_time=None,
            )


class Overviews:
    """Keeps the overviews (App Home) current: once a tick at most, when the timeline has grown, so
    no change's own transaction pays for it."""

    def __init__(self) -> None:
        self.seen: int | None = None

    def refresh(self, ctx: Context) -> None:
        with ctx.sessions() as session:
            latest = session.scalar(select(func.max(TimelineEvent.id)))
        if latest == self.seen:
            return
        with transaction(ctx.sessions) as session:
            effects.refresh_overviews(session, ctx.clock())
        self.seen = latest


def safe_tick(ctx: Context, overviews: Overviews | None = None) -> datetime | None:
    """A tick that survives a database outage quietly (one warning, one line when it is back).
    Returns when the next row comes due, as ``tick`` does (None after a failure)."""
    try:
        with background(), ctx.metrics.tick_seconds.time():  # a request waiting for its ack goes first
            soonest = tick(ctx)
            if overviews is not None:
                overviews.refresh(ctx)
    except Exception as exc:
        if is_contention(exc):
            log.warning("scheduler tick waited too long for the database; the next tick goes on")
        elif not ctx.database.failed(exc):
            log.exception("scheduler tick failed")
        return None
    ctx.database.worked()
    return soonest
