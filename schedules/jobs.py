"""What the scheduler does with each kind of due work. A job returns when to run again, or None."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from bot import work
from bot.context import Context
from bot.db.models import Incident
from bot.slack import reminders, resolution_posts
from bot.slack.presenters import facts
from bot.slack.provision import provision

log = logging.getLogger(__name__)

Job = Callable[[Context, work.Claimed], datetime | None]


def finish_slack_setup(ctx: Context, claimed: work.Claimed) -> datetime | None:
    """Finish the Slack side of a declare that could not complete it (Slack down, a restart)."""
    outcome = provision(ctx, claimed.incident_id)
    if outcome.incident.slack_ready_at is not None and not outcome.ran:
        return None  # the request that declared it finished the job
    if not outcome.complete:  # failed again, or another worker is on it right now
        return ctx.clock() + timedelta(seconds=ctx.settings.slack_retry_after)
    log.info("%s: Slack setup finished by the scheduler", outcome.incident.ref)
    message = ctx.render.message(
        "declared_reply", i=facts(ctx.policy, outcome.incident, ctx.clock()), failures=[]
    )
    ctx.slack.dm(outcome.incident.declared_by, message)
    return None


def remind_update(ctx: Context, claimed: work.Claimed) -> datetime | None:
    return reminders.remind(ctx, claimed.incident_id)


def remind_postmortem(ctx: Context, claimed: work.Claimed) -> datetime | None:
    with ctx.sessions() as session:
        incident = session.get(Incident, claimed.incident_id)
    if incident is not None:
        resolution_posts.remind_postmortem(ctx, incident)
    return None


JOBS: dict[str, Job] = {
    work.POSTMORTEM_REMINDER: remind_postmortem,
    work.SLACK_SETUP: finish_slack_setup,
    work.UPDATE_REMINDER: remind_update,
}
