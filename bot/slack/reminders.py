"""Sending the update reminder the scheduler found due."""

from __future__ import annotations

import logging
from datetime import datetime

from bot import work
from bot.context import Context
from bot.db.engine import transaction
from bot.db.models import OPEN_STATUSES, Incident
from bot.incidents import escalation, timeline
from bot.incidents.updates import cadence
from bot.slack.presenters import facts

log = logging.getLogger(__name__)

OPEN = {s.value for s in OPEN_STATUSES}


def remind(ctx: Context, incident_id: int, claimed_due: datetime | None = None) -> datetime | None:
    """Remind the commander (or everyone, with nobody in command) to post an update.

    Returns when to remind again if there is still no update: one cadence from now. A reminder
    missed while the bot was down is sent once, then the cadence counts from now.
    """
    with ctx.sessions() as session:
        incident = session.get(Incident, incident_id)
    if incident is None or incident.status not in OPEN:
        return None
    every = cadence(ctx.policy, incident)
    if every is None:
        return None
    now = ctx.clock()
    if claimed_due is not None:
        with ctx.sessions() as session:
            if work.due_at(session, incident_id, work.UPDATE_REMINDER) != claimed_due:
                return None  # an update (or a snooze) moved it since the claim: nothing is due now
    if incident.channel_id is None:
        return now + every  # its channel is still being made; the next tick will find it
    message = ctx.render.message(
        "update_reminder", i=facts(ctx.policy, incident, now), promised=incident.next_update_at
    )
    ctx.slack.post(incident.channel_id, message)
    log.info("%s: update reminder sent", incident.ref)
    sent = ctx.clock()  # Slack may have made us wait (rate limits): count the cadence from the send
    with transaction(ctx.sessions) as session:
        stored = session.get_one(Incident, incident_id)
        timeline.record(session, stored, "reminder_sent", sent, None, commander=stored.holder("ic"))
        escalation.after_reminder(session, ctx.policy, stored, sent)
    return sent + every
