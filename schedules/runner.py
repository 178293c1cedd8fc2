"""The scheduler: APScheduler 3 runs a short tick; the database says what is due.

APScheduler keeps only the tick itself, in memory (its job stores must never be shared between
processes). Due work lives in the ``scheduled_work`` table, so a restart loses nothing and
several replicas never do the same work twice: each tick claims due rows (see ``bot.work``),
runs the job for each, then deletes or reschedules it.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from slack_sdk.errors import SlackApiError

from bot import work
from bot.context import Context
from bot.paging import PageFailed
from bot.slack.gateway import error_name
from schedules.jobs import JOBS

log = logging.getLogger(__name__)

# Longer than the worst case of one job with Slack's retries; a crashed worker's row waits this long.
LEASE = timedelta(minutes=5)


def tick(ctx: Context) -> int:
    """Claim what is due, one row at a time, and do it. Returns how many rows were handled.

    One row per claim: a lease only has to outlast one job, however slow Slack is, so another
    replica never takes over a row this one has not reached yet.
    """
    handled = 0
    while claimed := work.claim(ctx.sessions, ctx.clock(), LEASE, limit=1):
        run_one(ctx, claimed[0])
        handled += 1
    return handled


def run_one(ctx: Context, item: work.Claimed) -> None:
    job = JOBS.get(item.kind)
    if job is None:
        log.error("no job for scheduled work of kind %r; dropping it", item.kind)
        work.finish(ctx.sessions, item, None)
        return
    try:
        again = job(ctx, item)
    except Exception as exc:
        backoff = timedelta(seconds=min(ctx.settings.slack_retry_after * 2**item.attempts, 3600))
        expected = isinstance(exc, SlackApiError | PageFailed)  # the outside world said no; else a bug
        log.warning(
            "scheduled %s for incident %s failed (%s); retrying in %s",
            item.kind,
            item.incident_id,
            exc,
            backoff,
            exc_info=not expected,
        )
        work.failed(ctx.sessions, item, error_name(exc), ctx.clock() + backoff)
        return
    work.finish(ctx.sessions, item, again)


def make_scheduler(ctx: Context) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(timezone="UTC")
    scheduler.add_job(
        _safe_tick,
        "interval",
        args=[ctx],
        seconds=ctx.settings.scheduler_tick,
        id="tick",
        max_instances=1,
        coalesce=True,
        misfire_grace_time=None,
    )
    return scheduler


def _safe_tick(ctx: Context) -> None:
    try:
        tick(ctx)
    except Exception:
        log.exception("scheduler tick failed")
