"""One delivery attempt and what its outcome means for the outbox: the adapter that owns the kind
delivers it, and the outcome is recorded (delivered, tried again later, held, or reported as
failed to the people concerned). The threads that claim and send are ``schedules.workers``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import ValidationError
from sqlalchemy.orm import Session

from bot.db.health import is_contention
from bot.db.models import Incident
from bot.incidents import effects
from bot.outbox import holds
from bot.outbox import store as outbox
from bot.outbox.adapters import Adapter, Effect, Kind
from bot.outbox.holds import Hold
from bot.outbox.outcome import Again, Done, Failed, Held, Outcome
from bot.runtime.context import Context
from schedules.holds import REFRESH

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Attempt:
    """One delivery attempt: what delivered it and what it came to (not recorded yet)."""

    adapter: Adapter
    kind: Kind[Effect]
    payload: Effect | None
    outcome: Outcome


def run_one(ctx: Context, claimed: outbox.Claimed) -> Outcome:
    """Deliver one claimed effect through its adapter and record what happened."""
    tried = attempt(ctx, claimed)
    if tried is None:  # the lease runs out; the effect is claimed again once the database is back
        return Held(timedelta(0), "the database is away")
    record(ctx, claimed, tried.adapter, tried.kind, tried.payload, tried.outcome)
    count(ctx, claimed.kind, tried.outcome)
    return tried.outcome


def attempt(ctx: Context, claimed: outbox.Claimed) -> Attempt | None:
    """Deliver one claimed effect through its adapter (None: the database is away, so neither the
    delivery nor its outcome can be trusted to be recorded)."""
    found = ctx.adapters.find(claimed.kind)
    assert found is not None, f"claimed {claimed.kind!r} without an adapter for it"
    adapter, kind = found
    payload: Effect | None = None
    if claimed.in_doubt:
        ctx.metrics.in_doubt.labels(claimed.kind).inc()
    try:
        payload = kind.payload.model_validate(claimed.payload)
        outcome = kind.deliver(claimed, payload)
    except ValidationError as exc:  # written by a release that shaped this kind differently
        outcome = Failed(
            f"the effect's data does not fit its kind {claimed.kind!r}: {exc.errors()[0]['msg']}"
        )
    except Exception as exc:  # a bug (a query, a renderer): retried a while, and loud in the log
        if ctx.database.failed(exc):
            return None
        busy = is_contention(exc)  # recording waited too long for a lock: the database is fine
        if not busy:
            log.exception("delivering %s failed", claimed.key)
        after = timedelta(seconds=1) if busy else adapter.retry.delay(claimed.attempts)
        # it may have reached the other side before the failure: look before sending it again
        outcome = Again(after, f"{type(exc).__name__}: {exc}", in_doubt=kind.creates, transient=busy)
    return Attempt(adapter, kind, payload, outcome)


def as_delivered(claimed: outbox.Claimed, outcome: Done, at: datetime) -> outbox.Delivered:
    return outbox.Delivered(claimed, outcome.result, at, outcome.also)


def count(ctx: Context, kind: str, outcome: Outcome) -> None:
    name = {Done: "done", Again: "again", Held: "held", Failed: "failed"}[type(outcome)]
    ctx.metrics.deliveries.labels(kind, name).inc()
    if isinstance(outcome, Again) and ("429" in outcome.error or "ratelimited" in outcome.error):
        ctx.metrics.rate_limited.labels(kind).inc()


def record(
    ctx: Context,
    claimed: outbox.Claimed,
    adapter: Adapter,
    kind: Kind[Effect],
    payload: Effect | None,
    outcome: Outcome,
) -> None:
    """What one attempt came to, in the outbox (and said to the people concerned when it is late or
    given up)."""
    retry = adapter.retry
    if isinstance(outcome, Again) and not outcome.transient and claimed.attempts >= retry.give_up_after:
        outcome = Failed(f"gave up after {claimed.attempts} attempts: {outcome.error}", outcome.place_gone)
    now = ctx.clock()
    if isinstance(outcome, Done):
        pace = timedelta(seconds=ctx.settings.slack_channel_pace)
        outbox.delivered(ctx.sessions, claimed, now, outcome.result, pace, outcome.also)
        return
    if isinstance(outcome, Held):
        after = outcome.after
        if outcome.holds:
            start_hold(ctx, adapter, kind, outcome)
            # a worker that read the holds just before is not to take it again meanwhile
            after = max(after, timedelta(seconds=REFRESH))
        else:
            log.info("%s: held (%s); again in %s", claimed.key, outcome.reason, outcome.after)
        outbox.hold(ctx.sessions, claimed, now + after, outcome.reason)
        return
    what = kind.describe(payload) if payload is not None else claimed.kind
    if isinstance(outcome, Again):
        log.info("%s: not delivered (%s); again in %s", claimed.key, outcome.error, outcome.after)
        late = (
            report(ctx, claimed, adapter, what, outcome.error, True, outcome.place_gone)
            if claimed.attempts == retry.report_after
            else None
        )
        outbox.retry(ctx.sessions, claimed, now + outcome.after, outcome.error, outcome.in_doubt, late)
        return
    log.warning("%s: not delivered, for good (%s)", claimed.key, outcome.error)
    told = report(ctx, claimed, adapter, what, outcome.error, False, outcome.place_gone)
    outbox.failed(ctx.sessions, claimed, outcome.error, told)


def start_hold(ctx: Context, adapter: Adapter, kind: Kind[Effect], outcome: Held) -> None:
    """The system refuses the bot (or this kind): every replica holds them from now on; the one that
    started the hold says so, once."""
    now = ctx.clock()
    which = kind.name if outcome.holds == "kind" else None
    until = now + (outcome.after if outcome.timed else adapter.retry.delay(1))
    hold = Hold(adapter.name, which, outcome.reason, outcome.detail, now, until)
    if outcome.timed:  # a rate limit: every replica waits it out, then carries on; not news
        if holds.start(ctx.sessions, hold):
            log.info("%s: %s effects wait %s (every replica)", outcome.reason, kind.name, outcome.after)
        return
    if holds.start(ctx.sessions, hold):
        what = f"the bot's {kind.name} effects" if which else "the bot"
        said = outcome.say or f"{adapter.system} refuses {what} ({outcome.reason})"
        log.error(
            "%s. Nothing is lost: they wait, and go out by themselves as soon as it accepts them again "
            "(incident-bot outbox lists them)",
            said,
        )


def report(
    ctx: Context,
    claimed: outbox.Claimed,
    adapter: Adapter,
    what: str,
    error: str,
    still_trying: bool,
    gone: bool,
) -> outbox.Also | None:
    """What tells the incident channel and the person who acted that an effect did not land (once),
    written in the transaction that records it (None: nothing to tell)."""
    if (claimed.payload.get("data") or {}).get("report") or claimed.incident_id is None:
        return None  # a report is not reported again
    incident_id = claimed.incident_id

    def tell(session: Session) -> None:
        # locked first, as a change locks it before it touches the outbox (never a deadlock)
        incident = session.get(Incident, incident_id, with_for_update=True)
        if incident is None:
            return
        effects.report_undelivered(
            session,
            ctx.policy,
            incident,
            effect_id=claimed.id,
            lane_name=claimed.lane,
            what=what,
            system=adapter.system,
            error=error,
            still_trying=still_trying,
            place_gone=gone,
            actor=claimed.actor,
            now=ctx.clock(),
        )

    return tell
