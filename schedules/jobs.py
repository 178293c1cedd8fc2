"""What the scheduler does with each kind of due work. A job returns when to run again, or None."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from bot import paging, work
from bot.context import Context
from bot.db.engine import transaction
from bot.db.models import ActionItem, Incident
from bot.incidents import escalation, queries, timeline
from bot.slack import escalations, reminders, resolution_posts
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
    return reminders.remind(ctx, claimed.incident_id, claimed.due_at)


def remind_postmortem(ctx: Context, claimed: work.Claimed) -> datetime | None:
    with ctx.sessions() as session:
        incident = session.get(Incident, claimed.incident_id)
    if incident is not None:
        resolution_posts.remind_postmortem(ctx, incident)
    return None


def escalate(ctx: Context, claimed: work.Claimed) -> datetime | None:
    """Fire a tier if it still applies: recorded, with every message and page it owes, in one
    transaction; the deliveries then go out (and are retried) one by one."""
    now = ctx.clock()
    with transaction(ctx.sessions) as session:
        incident = queries.lock(session, claimed.incident_id)
        notice = escalation.due_notice(session, ctx.policy, incident, claimed.key, claimed.details, now)
        if notice is None:
            return None
        escalation.record(session, incident, notice, now)
        escalations.owe(session, incident, notice, now)
    return None


def page(ctx: Context, claimed: work.Claimed) -> datetime | None:
    """Send a trigger or resolve event; on failure say so in the incident channel and retry later."""
    name, _, action = claimed.key.rpartition(":")
    target = ctx.policy.escalation.targets.get(name)
    with ctx.sessions() as session:
        incident = session.get(Incident, claimed.incident_id)
    if target is None or not target.pages or incident is None:
        return None
    if action == "trigger" and incident.status not in escalation.OPEN:
        return None  # resolved since this page was owed: do not page anyone about it
    reason = str(claimed.details.get("reason") or ("resolved" if action == "resolve" else "escalation"))
    try:
        paging.send(ctx.policy.escalation, target, incident, action, reason)
    except paging.PageFailed as failure:
        if incident.channel_id and claimed.attempts in (0, 3, 10):
            line = f":warning: Paging {name} ({action}) failed: {failure}. Retrying."
            ctx.slack.post(incident.channel_id, ctx.render.message("notice", lines=[line]))
        raise
    with transaction(ctx.sessions) as session:
        stored = queries.lock(session, claimed.incident_id)
        timeline.record(session, stored, "paged", ctx.clock(), None, target=name, action=action)
        if action == "trigger" and stored.status not in escalation.OPEN:
            # resolved while this trigger was in flight: the alert must be closed too
            work.schedule(session, stored.id, work.PAGE, ctx.clock(), key=f"{name}:resolve")
    return None


def remind_follow_up(ctx: Context, claimed: work.Claimed) -> datetime | None:
    """DM the owner when an item falls due, then once a day while it is open."""
    with ctx.sessions() as session:
        item = session.get(ActionItem, int(claimed.key))
        incident = session.get(Incident, claimed.incident_id)
    if item is None or incident is None or item.done_at is not None or not item.owner or item.due is None:
        return None
    today = ctx.clock().astimezone(ctx.policy.tz).date()
    message = ctx.render.message(
        "follow_up_reminder", a=item, i=facts(ctx.policy, incident, ctx.clock()), overdue=today > item.due
    )
    ctx.slack.dm(item.owner, message)
    return ctx.clock() + timedelta(days=1)


def notify(ctx: Context, claimed: work.Claimed) -> datetime | None:
    return escalations.deliver(ctx, claimed)


JOBS: dict[str, Job] = {
    work.NOTIFY: notify,
    work.FOLLOW_UP: remind_follow_up,
    work.ESCALATION: escalate,
    work.PAGE: page,
    work.POSTMORTEM_REMINDER: remind_postmortem,
    work.SLACK_SETUP: finish_slack_setup,
    work.UPDATE_REMINDER: remind_update,
}
