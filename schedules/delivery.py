"""Delivery workers: threads that send what the outbox owes.

A commit that owes something wakes them at once; otherwise they look again when the next effect
becomes deliverable, and at least every scheduler tick (for what another replica, a crash or a
back-off left). Each holds one effect at a time; a keeper thread renews the leases of what they
hold, so a worker that dies lets its effect go within one lease. Nothing here sleeps with work in
hand: pacing and back-off are times in the outbox, not naps.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from typing import Any

from bot.config.policy import COMMANDER_ROLE
from bot.context import Context
from bot.db.engine import transaction
from bot.db.health import is_contention
from bot.db.models import Incident
from bot.db.writers import background
from bot.incidents import effects
from bot.outbox import store as outbox
from bot.slack import delivery
from bot.slack.delivery import Again, Done, Failed
from bot.text import escape_mrkdwn

log = logging.getLogger(__name__)

# After this many failed attempts the people concerned hear that an effect is late (once); a page
# that did not land is said at once, since somebody is waiting to be woken.
REPORT_AFTER = 5
REPORT_PAGE_AFTER = 1
# An effect failing with an error nobody knows (or a bug) is given up after this many attempts,
# so it never holds its lane for good; a busy or unreachable Slack is waited out however long.
GIVE_UP_AFTER = 10
# Errors that mean the incident channel itself is unusable: no report is posted there.
CHANNEL_GONE = ("no_incident_channel", "channel_not_found", "is_archived", "not_in_channel")


def run_one(ctx: Context, claimed: outbox.Claimed) -> None:
    """Deliver one claimed effect and record what happened."""
    try:
        outcome = delivery.deliver(ctx, claimed)
    except Exception as exc:  # a bug (a query, a renderer): retried a while, and loud in the log
        if ctx.database.failed(exc):
            return  # the lease runs out; the effect is claimed again once the database is back
        busy = is_contention(exc)  # recording waited too long for a lock: the database is fine
        if not busy:
            log.exception("delivering %s failed", claimed.key)
        error = f"{type(exc).__name__}: {exc}"
        after = (
            timedelta(seconds=1)
            if busy
            else delivery.backoff(claimed.attempts, ctx.settings.slack_retry_after)
        )
        # it may have reached Slack before the failure: look before sending it again
        outcome = Again(after, error, in_doubt=claimed.kind in outbox.CREATING, transient=busy)
    if isinstance(outcome, Again) and not outcome.transient and claimed.attempts >= GIVE_UP_AFTER:
        outcome = Failed(f"gave up after {claimed.attempts} attempts: {outcome.error}")
    now = ctx.clock()
    if isinstance(outcome, Done):
        pace = timedelta(seconds=ctx.settings.slack_channel_pace)
        outbox.delivered(ctx.sessions, claimed, now, outcome.result, pace)
        return
    if isinstance(outcome, Again):
        log.info("%s: not delivered (%s); again in %s", claimed.key, outcome.error, outcome.after)
        outbox.retry(ctx.sessions, claimed, now + outcome.after, outcome.error, outcome.in_doubt)
        if claimed.attempts == (REPORT_PAGE_AFTER if claimed.kind == "page" else REPORT_AFTER):
            report(ctx, claimed, outcome.error, still_trying=True)
        return
    log.warning("%s: not delivered, for good (%s)", claimed.key, outcome.error)
    outbox.failed(ctx.sessions, claimed, outcome.error)
    report(ctx, claimed, outcome.error, still_trying=False)


def report(ctx: Context, claimed: outbox.Claimed, error: str, still_trying: bool) -> None:
    """Tell the incident channel and the person who acted that an effect did not land (once)."""
    if delivery.is_report(claimed) or claimed.incident_id is None or error == "no_incident_channel":
        return  # a report is not reported again; a missing channel was reported when making it failed
    what = delivery.describe(claimed)
    then = "I keep retrying." if still_trying else "I have given up on it; please do it by hand."
    who = "the pager" if claimed.kind == "page" else "Slack"
    answered = escape_mrkdwn(error.replace("`", "'"), 200)
    line = f":warning: I could not {what}: {who} answered `{answered}`. {then}"
    cause = f"undelivered:{claimed.id}:{'late' if still_trying else 'failed'}"
    with transaction(ctx.sessions) as session:
        incident = session.get(Incident, claimed.incident_id)
        if incident is None:
            return
        now = ctx.clock()
        data: dict[str, Any] = {"lines": [line], "trusted": True, "report": True}
        channel_gone = (
            claimed.lane == effects.lane(ctx.policy, incident, effects.INCIDENT) and error in CHANNEL_GONE
        )
        if incident.channel_id and not channel_gone:
            effects.post(
                session, ctx.policy, incident, effects.INCIDENT, "notice", cause, now, aside=True, **data
            )
        person = claimed.actor or incident.holder(COMMANDER_ROLE) or incident.declared_by
        if claimed.lane != effects.person(person):
            effects.tell(session, ctx.policy, incident, person, "notice", cause, now, aside=True, **data)


class DeliveryWorkers:
    def __init__(self, ctx: Context, count: int) -> None:
        self.ctx = ctx
        self.count = count
        self.lease = timedelta(seconds=ctx.settings.delivery_lease)
        self._cond = threading.Condition()
        self._wakes = 0
        self._stopping = threading.Event()
        self._held: dict[int, outbox.Claimed] = {}
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        for n in range(self.count):
            self._threads.append(threading.Thread(target=self._work, name=f"delivery-{n}", daemon=True))
        self._threads.append(threading.Thread(target=self._keep_leases, name="delivery-leases", daemon=True))
        for thread in self._threads:
            thread.start()

    def wake(self) -> None:
        """Something was owed: look now."""
        with self._cond:
            self._wakes += 1
            self._cond.notify_all()

    def stop(self, timeout: float) -> bool:
        """Stop looking for work; True when every worker finished what it held within ``timeout``."""
        self._stopping.set()
        self.wake()
        for thread in self._threads:
            thread.join(timeout)
        return not any(t.is_alive() for t in self._threads)

    @property
    def poll(self) -> float:
        return self.ctx.settings.scheduler_tick

    def _work(self) -> None:
        with background():  # a request waiting for its ack goes first
            self._deliver()

    def _deliver(self) -> None:
        while not self._stopping.is_set():
            with self._cond:
                seen = self._wakes
            self.ctx.in_flight.give_way()  # a request waiting for its ack goes first
            try:
                claimed = outbox.claim(self.ctx.sessions, self.ctx.clock(), self.lease)
                self.ctx.database.worked()
            except Exception as exc:
                if not self.ctx.database.failed(exc) and not is_contention(exc):
                    log.exception("claiming outbox work failed")
                self._wait(seen, self.poll)
                continue
            if claimed is None:
                self._wait(seen, self._until_next())
                continue
            self._held[claimed.id] = claimed
            try:
                run_one(self.ctx, claimed)
            except Exception as exc:  # recording the outcome failed: the lease runs out, it is retried
                if not self.ctx.database.failed(exc):
                    log.exception("recording the delivery of %s failed", claimed.key)
            finally:
                self._held.pop(claimed.id, None)

    def _until_next(self) -> float:
        try:
            soonest = outbox.next_ready_at(self.ctx.sessions, self.ctx.clock())
        except Exception:
            return self.poll
        if soonest is None:
            return self.poll
        return min(max((soonest - self.ctx.clock()).total_seconds(), 0.01), self.poll)

    def _wait(self, seen: int, timeout: float) -> None:
        with self._cond:
            if self._wakes == seen and not self._stopping.is_set():
                self._cond.wait(timeout)

    def _keep_leases(self) -> None:
        with background():
            self._renew_leases()

    def _renew_leases(self) -> None:
        every = max(self.lease.total_seconds() / 3, 0.1)
        while not self._stopping.wait(every):
            held = list(self._held.values())
            try:
                outbox.renew(self.ctx.sessions, held, self.ctx.clock() + self.lease)
            except Exception as exc:
                if not self.ctx.database.failed(exc):
                    log.exception("renewing delivery leases failed")
