"""Bounded tables: what the bot no longer needs is forgotten after ``OUTBOX_RETENTION`` (delivered
effects, the record of alert deliveries already taken), and the heads of lanes that owe nothing, a
small batch at a time, by one replica.
Incidents, their timelines and follow-ups are never forgotten."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import delete, select

from bot.db.engine import transaction
from bot.db.models import AlertDelivery
from bot.db.writers import background
from bot.incidents import work
from bot.outbox import heads, upkeep
from bot.runtime.context import Context

log = logging.getLogger(__name__)

EVERY = timedelta(minutes=10)  # how often one replica looks
BATCH = 500  # rows a transaction forgets, so no write holds the database for long
MOST_BATCHES = 40  # per run: a large first purge is spread over several runs


def forget_old(ctx: Context) -> int:
    """One run, when it is this replica's turn; how many rows went."""
    now = ctx.clock()
    with transaction(ctx.sessions) as session:
        if not work.take_turn(session, "retention", now, EVERY):
            return 0
    before = now - ctx.settings.retention
    gone = 0
    with background():
        for _ in range(MOST_BATCHES):
            with transaction(ctx.sessions) as session:
                went = upkeep.purge_delivered(session, before, BATCH)
                idle = heads.forget_idle_heads(session, BATCH)
                old = select(AlertDelivery.key).where(AlertDelivery.received_at < before).limit(BATCH)
                keys = list(session.scalars(old))
                if keys:
                    session.execute(delete(AlertDelivery).where(AlertDelivery.key.in_(keys)))
            gone += went + idle + len(keys)
            if went < BATCH and idle < BATCH and len(keys) < BATCH:
                break
    if gone:
        log.info(
            "forgot %d rows older than %s (OUTBOX_RETENTION)", gone, before.isoformat(timespec="seconds")
        )
    return gone
