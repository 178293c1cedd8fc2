"""Delivery workers: threads that send what the outbox owes.

A commit that owes something wakes their claimer at once; otherwise it looks again when the next
effect becomes deliverable, and at least every scheduler tick (for what another replica, a crash or a
back-off left). One thread claims lane heads in batches for the senders, each of which holds one
effect at a time; a keeper thread renews the leases of what they hold, so a replica that dies lets
its effects go within one lease. Nothing here sleeps with work in hand: pacing and back-off are
times in the outbox, not naps. One attempt, and what its outcome means for the outbox, is
``schedules.delivery``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from dataclasses import replace
from datetime import datetime, timedelta

from bot.db.health import is_contention
from bot.db.writers import background
from bot.outbox import heads, holds
from bot.outbox import store as outbox
from bot.outbox.outcome import Done, Held
from bot.runtime import logs
from bot.runtime.context import Context
from schedules.delivery import as_delivered, attempt, count, record
from schedules.holds import HoldKeeper

log = logging.getLogger(__name__)
# Seconds between looks for lane heads another release left behind (see ``heads.repair_heads``).
REPAIR_EVERY = 30.0


class DeliveryWorkers:
    """One claimer and ``count`` senders. The claimer takes as many lane heads as there are idle
    senders and ``count // 2`` more, in one transaction, and hands them over; each sender delivers
    one effect and takes the next (in a burst it is waiting already: a sender back from Slack does
    not wait for the claimer's round trips). What was delivered the claimer records, all that came
    in since it last looked in one transaction, before it claims again (the lanes' next effects
    among what it claims); any other outcome (a retry, a hold, a failure) its sender records at
    once. Claims and deliveries cost one transaction per batch rather than per effect (a burst's
    SQLite writers queue for one lock), and no sender ever looks for work itself or waits for a
    commit between calls."""

    def __init__(self, ctx: Context, count: int) -> None:
        self.ctx = ctx
        self.count = count
        self.lease = timedelta(seconds=ctx.settings.delivery_lease)
        self.holds = HoldKeeper(ctx, self.wake)
        # One lock for what the threads share; the claimer and the senders wait on conditions of
        # their own, so that a commit waking the claimer does not wake every idle sender too.
        self._lock = threading.RLock()
        self._claimer = threading.Condition(self._lock)
        self._senders = threading.Condition(self._lock)
        self._wakes = 0
        self._stopping = threading.Event()
        self._held: dict[int, outbox.Claimed] = {}  # claimed and not yet recorded: leases kept
        self._handed: deque[outbox.Claimed] = deque()  # claimed, not yet taken by a sender
        self._done: list[tuple[outbox.Claimed, Done, datetime]] = []  # delivered, to record
        self._idle = 0  # senders waiting for an effect
        self._ahead = count // 2  # claimed ahead of the senders (leases kept as for those in hand)
        # kinds sent one call at a time (a small budget): those in flight, and the rest wait in
        # hand for them rather than stand a sender at the adapter's gate
        self._serial = ctx.adapters.serial
        self._sending_serial: set[str] = set()
        self._lease_ends: dict[int, datetime] = {}  # when each held effect's lease ends, as last set
        self._claiming = True  # until the claimer stops: senders wait for what it may still hand over
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        for n in range(self.count):
            self._threads.append(threading.Thread(target=self._send, name=f"delivery-{n}", daemon=True))
        self._threads.append(threading.Thread(target=self._claim, name="delivery-claims", daemon=True))
        self._threads.append(threading.Thread(target=self._keep_leases, name="delivery-leases", daemon=True))
        self._threads.append(threading.Thread(target=self._probe_holds, name="delivery-holds", daemon=True))
        try:  # a replica that starts (perhaps with a new token) probes every hold at once
            holds.probe_soon(self.ctx.sessions, self.ctx.clock())
        except Exception as exc:
            if not self.ctx.database.failed(exc):
                log.exception("reading the holds failed")
        for thread in self._threads:
            thread.start()

    def wake(self) -> None:
        """Something was owed (or a lane moved on): look now."""
        with self._lock:
            self._wakes += 1
            self._claimer.notify()

    def stop(self, timeout: float) -> bool:
        """Stop claiming; True when every sender finished what was claimed within ``timeout``."""
        self._stopping.set()
        self.wake()
        for thread in self._threads:
            thread.join(timeout)
        return not any(t.is_alive() for t in self._threads)

    @property
    def poll(self) -> float:
        return self.ctx.settings.scheduler_tick

    # ---------------------------------------------------------------------------- the claimer

    def _claim(self) -> None:
        try:
            with background():  # a request waiting for its ack goes first
                self._claim_until_stopped()
        finally:
            with self._lock:  # senders stop once what it claimed is delivered (and record it)
                self._claiming = False
                self._senders.notify_all()
                done, self._done = self._done, []
            self._record(done)

    def _claim_until_stopped(self) -> None:
        repaired = float("-inf")  # at once: a replica may start in the middle of a rolling deploy
        while not self._stopping.is_set():
            if time.monotonic() - repaired >= REPAIR_EVERY:
                repaired = time.monotonic()
                self._repair_heads()
            with self._lock:
                self._claimer.wait_for(lambda: self._free() > 0 or self._done or self._stopping.is_set())
                seen, free = self._wakes, self._free()
                done, self._done = self._done, []
            self._record(done)
            if self._stopping.is_set():
                return
            if free <= 0:
                continue
            self.ctx.in_flight.give_way()
            now = self.ctx.clock()
            try:
                claimable = self._claimable()
                batch = outbox.claim_batch(self.ctx.sessions, now, self.lease, claimable, free)
                self.ctx.database.worked()
            except Exception as exc:
                if not self.ctx.database.failed(exc) and not is_contention(exc):
                    log.exception("claiming outbox work failed")
                self._wait(seen, self.poll)
                continue
            with self._lock:
                for claimed in batch:
                    self._held[claimed.id] = claimed
                    self._lease_ends[claimed.id] = now + self.lease
            self._prepare(batch)
            with self._lock:
                self._handed.extend(batch)
                self._senders.notify(len(batch))
            if len(batch) < free:  # nothing more is ready now: until something is, or is owed
                self._wait(seen, self._until_next(claimable))

    def _claimable(self) -> outbox.Known:
        """What to claim: the kinds not on hold, less those sent one at a time that already have
        one waiting in hand (a burst of pins would otherwise fill it)."""
        known = self.holds.known()
        with self._lock:
            waiting = {claimed.kind for claimed in self._handed if claimed.kind in self._serial}
        return replace(known, kinds=known.kinds - waiting) if waiting else known

    def _prepare(self, batch: list[outbox.Claimed]) -> None:
        """Show each adapter its part of the batch (what they all read, read once). If that fails,
        each sender reads its own."""
        parts: dict[str, list[outbox.Claimed]] = {}
        for claimed in batch:
            found = self.ctx.adapters.find(claimed.kind)
            if found is not None and found[0].prepare is not None:
                parts.setdefault(found[0].name, []).append(claimed)
        for name, part in parts.items():
            adapter = self.ctx.adapters.adapter(name)
            try:
                if adapter is not None and adapter.prepare is not None:
                    adapter.prepare(part)
            except Exception as exc:
                if not self.ctx.database.failed(exc):
                    log.exception("preparing %d %s effects failed", len(part), name)

    def _record(self, done: list[tuple[outbox.Claimed, Done, datetime]]) -> None:
        """Record what the senders delivered, in one transaction (each alone if that fails: one
        bad row does not cost the others their record). Unrecorded, an effect's lease runs out and
        it is claimed again, in doubt: looked for before it is sent again."""
        if not done:
            return
        pace = timedelta(seconds=self.ctx.settings.slack_channel_pace)
        done.sort(key=lambda item: item[0].id)  # rows locked in one order (PostgreSQL)
        try:
            self.ctx.in_flight.give_way()
            try:
                outbox.delivered_all(self.ctx.sessions, [as_delivered(*one) for one in done], pace)
                recorded = [claimed for claimed, _, _ in done]
            except Exception as exc:
                if self.ctx.database.failed(exc):
                    return
                recorded = []
                for claimed, outcome, at in done:  # (a lock the batch would not wait for, say)
                    try:
                        outbox.delivered_all(self.ctx.sessions, [as_delivered(claimed, outcome, at)], pace)
                        recorded.append(claimed)
                    except Exception as one:
                        if not self.ctx.database.failed(one):
                            log.exception("recording the delivery of %s failed", claimed.key)
            for claimed in recorded:
                count(self.ctx, claimed.kind, Done())
        finally:
            with self._lock:
                for claimed, _, _ in done:
                    self._let_go(claimed)

    def _delivered(self, claimed: outbox.Claimed, outcome: Done) -> bool:
        """Hand a delivery to the claimer to record (False: it stopped; the sender records it)."""
        with self._lock:
            if not self._claiming:
                return False
            self._done.append((claimed, outcome, self.ctx.clock()))
            self._wakes += 1
            self._claimer.notify()
            return True

    def _repair_heads(self) -> None:
        """A lane whose head another release left behind (one that ran beside this one during a
        rolling deploy, and knows no heads) gets its head back; found lanes are logged."""
        try:
            lanes = heads.repair_heads(self.ctx.sessions)
        except Exception as exc:
            if not self.ctx.database.failed(exc) and not is_contention(exc):
                log.exception("repairing the outbox's lane heads failed")
            return
        if lanes:
            log.warning(
                "the heads of %d outbox lanes were behind (%s); moved", len(lanes), ", ".join(lanes[:5])
            )
            self.wake()

    def _free(self) -> int:
        """How many more to claim: senders with nothing in hand, and the few claimed ahead of them
        (called holding ``_lock``). Effects waiting for their kind's one call in flight do not
        count: they must not stop the claims of what can go now (no more of their kind are claimed
        while they wait)."""
        waiting = sum(1 for claimed in self._handed if claimed.kind in self._sending_serial)
        return self._idle + self._ahead - (len(self._handed) - waiting)

    def _until_next(self, claimable: outbox.Known) -> float:
        try:
            soonest = outbox.next_ready_at(self.ctx.sessions, self.ctx.clock(), claimable)
        except Exception:
            return self.poll
        if soonest is None:
            return self.poll
        return min(max((soonest - self.ctx.clock()).total_seconds(), 0.01), self.poll)

    def _wait(self, seen: int, timeout: float) -> None:
        with self._lock:
            if self._wakes == seen and not self._stopping.is_set():
                self._claimer.wait(timeout)

    # ---------------------------------------------------------------------------- the senders

    def _send(self) -> None:
        with background():
            while (claimed := self._next()) is not None:
                self.ctx.in_flight.give_way()  # a request waiting for its ack goes first
                handed = False
                try:
                    with logs.working_on(claimed.key):
                        handed = self._deliver(claimed)
                except Exception as exc:  # recording the outcome failed: the lease runs out, it is retried
                    if not self.ctx.database.failed(exc):
                        log.exception("recording the delivery of %s failed", claimed.key)
                finally:
                    self._sent(claimed)
                    if not handed:
                        with self._lock:
                            self._let_go(claimed)
                        self.wake()  # its lane may owe a next effect, and this sender is free

    def _deliver(self, claimed: outbox.Claimed) -> bool:
        """Deliver one effect; True when its outcome went to the claimer to record."""
        tried = attempt(self.ctx, claimed)
        if tried is None:  # the database is away: the lease runs out, it is claimed again
            return False
        outcome = tried.outcome
        if isinstance(outcome, Done) and self._delivered(claimed, outcome):
            return True
        record(self.ctx, claimed, tried.adapter, tried.kind, tried.payload, outcome)
        count(self.ctx, claimed.kind, outcome)
        if isinstance(outcome, Held) and outcome.holds:
            self.holds.changed()
        return False

    def _next(self) -> outbox.Claimed | None:
        """The next claimed effect that can go now (not one whose kind goes one call at a time while
        one is in flight); None once the claimer stopped and everything it claimed is taken."""
        with self._lock:
            self._idle += 1
            self._claimer.notify()
            try:
                while True:
                    self._senders.wait_for(lambda: self._takeable() is not None or self._over())
                    claimed = self._takeable()
                    if claimed is None:
                        return None
                    self._handed.remove(claimed)
                    if self._over():  # the last in hand, the claimer gone: every idle sender may stop
                        self._senders.notify_all()
                    if self._lapsing(claimed):  # waited in hand too long to be sure it is still ours
                        log.info("%s waited too long for a sender: left for the next claim", claimed.key)
                        self._let_go(claimed)
                        self._claimer.notify()  # (one fewer in hand: more may be claimed)
                        continue
                    if claimed.kind in self._serial:
                        self._sending_serial.add(claimed.kind)
                        self._claimer.notify()  # (the rest of its kind wait: more may be claimed)
                    return claimed
            finally:
                self._idle -= 1

    def _over(self) -> bool:
        return not (self._claiming or self._handed)

    def _lapsing(self, claimed: outbox.Claimed) -> bool:
        """Whether its lease may run out before its call is done (the lease keeper could not renew
        it, or the replica is stopping): another replica may claim it then, so it is not sent."""
        ends = self._lease_ends.get(claimed.id)
        return ends is not None and ends - self.lease / 3 < self.ctx.clock()

    def _let_go(self, claimed: outbox.Claimed) -> None:
        """No longer held by this replica (called holding ``_lock``)."""
        self._held.pop(claimed.id, None)
        self._lease_ends.pop(claimed.id, None)

    def _takeable(self) -> outbox.Claimed | None:
        return next((c for c in self._handed if c.kind not in self._sending_serial), None)

    def _sent(self, claimed: outbox.Claimed) -> None:
        """A sender is done with ``claimed``: the next of a kind sent one at a time may go."""
        if claimed.kind in self._serial:
            with self._lock:
                self._sending_serial.discard(claimed.kind)
                self._senders.notify()  # for the next of its kind

    # ---------------------------------------------------------------------------- housekeeping

    def _keep_leases(self) -> None:
        with background():
            self._renew_leases()

    def _renew_leases(self) -> None:
        every = max(self.lease.total_seconds() / 3, 0.1)
        while not self._stopping.wait(every):
            with self._lock:
                held = list(self._held.values())
            until = self.ctx.clock() + self.lease
            try:
                outbox.renew(self.ctx.sessions, held, until)
                with self._lock:
                    for claimed in held:
                        if claimed.id in self._lease_ends:
                            self._lease_ends[claimed.id] = until
            except Exception as exc:
                if not self.ctx.database.failed(exc):
                    log.exception("renewing delivery leases failed")

    def _probe_holds(self) -> None:
        with background():
            while not self._stopping.is_set():
                try:
                    wait = self.holds.probe_due()
                except Exception as exc:
                    if not self.ctx.database.failed(exc):
                        log.exception("probing the holds failed")
                    wait = None
                self._stopping.wait(min(wait, self.poll) if wait is not None else self.poll)
