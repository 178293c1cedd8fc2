"""The work a scheduler tick does. Each job reads what is due from the database and claims it."""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.context import Context
from bot.incidents import slack_state
from bot.slack.presenters import facts
from bot.slack.provision import provision

log = logging.getLogger(__name__)


def finish_slack_setup(ctx: Context) -> int:
    """Finish the Slack side of incidents whose declare could not complete it. Returns how many ran."""
    now = ctx.clock()
    # The request that declared an incident does its Slack side itself; the tick only finishes
    # what that request could not (Slack down, the bot restarted), so it leaves young ones alone.
    grace = timedelta(seconds=ctx.settings.slack_retry_after)
    done = 0
    for incident_id in slack_state.pending(ctx.sessions, now - grace, now):
        outcome = provision(ctx, incident_id)
        if not outcome.ran:
            continue  # another worker holds it
        done += 1
        if outcome.complete:
            log.info("%s: Slack setup finished on retry", outcome.incident.ref)
            message = ctx.render.message(
                "declared_reply", i=facts(ctx.policy, outcome.incident, ctx.clock()), failures=[]
            )
            ctx.slack.dm(outcome.incident.declared_by, message)
    return done
