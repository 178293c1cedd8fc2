"""The scheduler: APScheduler 3 runs a short tick; the database says what is due.

APScheduler keeps only the tick itself, in memory. Due work lives in our own tables, so a
restart loses nothing and several replicas never do the same work twice.
"""

from __future__ import annotations

import logging

from apscheduler.schedulers.background import BackgroundScheduler

from bot.context import Context
from schedules import jobs

log = logging.getLogger(__name__)


def tick(ctx: Context) -> None:
    """One pass over everything due. A failing job is logged and the tick goes on."""
    for job in (jobs.finish_slack_setup,):
        try:
            job(ctx)
        except Exception:
            log.exception("scheduled job %s failed", job.__name__)


def make_scheduler(ctx: Context) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(timezone="UTC")
    scheduler.add_job(
        tick,
        "interval",
        args=[ctx],
        seconds=ctx.settings.scheduler_tick,
        id="tick",
        max_instances=1,
        coalesce=True,
        misfire_grace_time=None,
    )
    return scheduler
