"""Reading the tracker back: every ``TRACKER_SYNC`` seconds one replica asks the tracker for the
states of the open follow-ups' tickets, a batch at a time (not a call each). Done there: done here
(its reminders stop). Gone (deleted, moved out of reach): said once, and not asked again."""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.db.engine import transaction
from bot.incidents import tickets, work
from bot.integrations import http
from bot.integrations.trackers.spec import Tracker
from bot.runtime.context import Context

log = logging.getLogger(__name__)

NAME = "tracker-sync"


def sync(ctx: Context, tracker: Tracker) -> int:
    """One pass, if it is this replica's turn; returns how many follow-ups it found done there."""
    now = ctx.clock()
    every = timedelta(seconds=ctx.settings.tracker_sync)
    with transaction(ctx.sessions) as session:
        if not work.take_turn(session, NAME, now, every):
            return 0
    with ctx.sessions() as session:
        pairs = [
            (item.id, ref.external_id or "") for item, ref in tickets.open_tickets(session, tracker.system)
        ]
    if not pairs:
        return 0
    try:
        states = tracker.states([ticket for _, ticket in pairs])
    except http.Refused as refused:
        log.warning("could not read the tickets' states from %s: %s", tracker.system, refused)
        return 0
    done = 0
    for item_id, ticket in pairs:
        state = states.get(ticket)
        if state == "done":
            done += tickets.done_there(ctx.sessions, ctx.policy, item_id, tracker.system, ctx.clock())
        elif state is None:
            tickets.gone_there(ctx.sessions, ctx.policy, item_id, tracker.system, ctx.clock())
    return done
