"""A kind sent one call at a time (Slack's small-budget methods) waits in the delivery workers' hand
for the one in flight, instead of standing a sender at the adapter: the other kinds go meanwhile."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from bot.db.models import PENDING, OutboxEffect
from bot.outbox import store as outbox
from bot.outbox.adapters import Adapter, Kind, Registry
from bot.outbox.outcome import Done, Outcome
from bot.outbox.retry import RetryPolicy
from schedules.workers import DeliveryWorkers
from tests.unit.test_adapters import NOW, Ping, Pong, context, owe


class Gated:
    """Pings (here a kind sent one call at a time, as a pin) block until released; pongs go at
    once. Counts how many pings are in flight together."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.lock = threading.Lock()
        self.pinning = 0
        self.most_pinning = 0
        self.pinned: list[str] = []
        self.said: list[str] = []
        kinds = (
            Kind(Ping, self.pin, lambda e: "pin", serial=True),
            Kind(Pong, self.say, lambda e: "say"),
        )
        self.adapter = Adapter("gated", "the test", kinds, RetryPolicy(longest=5))

    def pin(self, claimed: outbox.Claimed, payload: Ping) -> Outcome:
        with self.lock:
            self.pinning += 1
            self.most_pinning = max(self.most_pinning, self.pinning)
        self.release.wait(10)
        with self.lock:
            self.pinning -= 1
            self.pinned.append(payload.to)
        return Done({"ok": True})

    def say(self, claimed: outbox.Claimed, payload: Pong) -> Outcome:
        with self.lock:
            self.said.append(payload.to)
        return Done({"ok": True})


def until(check: object, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return True
        time.sleep(0.02)
    return False


def test_one_pin_in_flight_and_the_says_go_meanwhile(engine: Engine, sessions: sessionmaker[Session]) -> None:
    gated = Gated()
    registry = Registry.of([gated.adapter])
    assert registry.serial == {"ping"}
    for n in range(3):  # each in its own lane: nothing orders them but the one-at-a-time rule
        owe(sessions, f"pin-{n}", Ping(to=str(n)), lane=f"pins:{n}")
        owe(sessions, f"say-{n}", Pong(to=str(n)), lane=f"says:{n}")
    workers = DeliveryWorkers(context(engine, sessions, registry), 4)
    workers.start()
    try:
        assert until(lambda: len(gated.said) == 3)  # while a pin waits: 3 senders were free for them
        assert gated.pinning == 1 and gated.pinned == []
        gated.release.set()
        assert until(lambda: len(gated.pinned) == 3)
        assert gated.most_pinning == 1  # never two pins in flight
    finally:
        gated.release.set()
        assert workers.stop(10)


def test_an_effect_whose_lease_may_have_run_out_in_hand_is_not_sent(
    engine: Engine, sessions: sessionmaker[Session]
) -> None:
    gated = Gated()
    now = [NOW]
    ctx = context(engine, sessions, Registry.of([gated.adapter]))
    ctx.clock = lambda: now[0]
    for n in range(2):
        owe(sessions, f"pin-{n}", Ping(to=str(n)), lane=f"pins:{n}")
    workers = DeliveryWorkers(ctx, 4)
    workers.start()
    try:
        assert until(lambda: gated.pinning == 1)  # the second waits in hand for the first
        # its lease nearly out (not renewed meanwhile): a call now could outlast it
        now[0] += timedelta(seconds=ctx.settings.delivery_lease - 1)
        gated.release.set()
        assert until(lambda: len(gated.pinned) == 1)
        time.sleep(0.3)
        assert len(gated.pinned) == 1  # the second was let go, not sent: another replica may have it
        with sessions() as session:
            left = session.scalars(select(OutboxEffect).where(OutboxEffect.state == PENDING)).all()
            assert len(left) == 1 and left[0].key.startswith("pin-")
    finally:
        gated.release.set()
        assert workers.stop(10)


def test_stopping_while_a_pin_waits_in_hand_lets_every_sender_go(
    engine: Engine, sessions: sessionmaker[Session]
) -> None:
    """The claimer stops while one pin is in flight and the next waits in hand: the idle senders,
    woken while that one could not go yet, are woken again once the hand is empty (a shutdown that
    waited out its whole grace for them would look like work lost)."""
    gated = Gated()
    for n in range(2):
        owe(sessions, f"pin-{n}", Ping(to=str(n)), lane=f"pins:{n}")
    workers = DeliveryWorkers(context(engine, sessions, Registry.of([gated.adapter])), 4)
    workers.start()
    stopped: list[bool] = []
    try:
        assert until(lambda: gated.pinning == 1)  # the second pin waits in hand
        stopping = threading.Thread(target=lambda: stopped.append(workers.stop(5)))
        stopping.start()
        assert until(lambda: not any(t.name == "delivery-claims" for t in threading.enumerate()))
        gated.release.set()  # the first pin lands; the second goes; then nothing is left in hand
        stopping.join(10)
        assert stopped == [True]
        assert sorted(gated.pinned) == ["0", "1"]
    finally:
        gated.release.set()
