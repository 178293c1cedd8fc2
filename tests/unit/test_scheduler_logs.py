"""A tick skipped while the last one runs is no warning; APScheduler's other warnings still show."""

from __future__ import annotations

import logging
import threading
import time

import pytest
from apscheduler.schedulers.background import BackgroundScheduler

from schedules.runner import SKIPPED_TICK


def test_a_skipped_tick_is_quiet_and_other_warnings_are_not(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("apscheduler.scheduler")
    logger.addFilter(SKIPPED_TICK)
    release = threading.Event()
    scheduler = BackgroundScheduler(timezone="UTC")
    scheduler.add_job(release.wait, "interval", seconds=0.05, id="tick", max_instances=1, coalesce=True)
    try:
        with caplog.at_level(logging.WARNING, logger="apscheduler"):
            scheduler.start()
            time.sleep(0.4)  # the first tick still runs: the next ones are skipped
            logger.warning("Run time of job %s was missed by %s", "tick", "0:00:01")
    finally:
        release.set()
        scheduler.shutdown(wait=True)
        logger.removeFilter(SKIPPED_TICK)
    said = [r.getMessage() for r in caplog.records]
    assert not [m for m in said if "maximum number of running instances" in m]
    assert [m for m in said if "was missed" in m]
