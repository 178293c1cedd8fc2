"""A kind sent one call at a time (Slack's small-budget methods) waits in the delivery workers' hand
for the one in flight, instead of standing a sender at the adapter: the other kinds go meanwhile."""

from __future__ import annotations

import threading
import time
from typing import ClassVar

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.outbox import store as outbox
from bot.outbox.adapters import Adapter, Effect, Kind, Registry
from bot.outbox.outcome import Done, Outcome
from bot.outbox.retry import RetryPolicy
from schedules.delivery import DeliveryWorkers
from tests.unit.test_adapters import context, owe


class Pin(Effect):
    KIND: ClassVar[str] = "slow_pin"
    n: int


class Say(Effect):
    KIND: ClassVar[str] = "quick_say"
    n: int


class Gated:
    """Pins block until released; says go at once. Counts how many pins are in flight together."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.lock = threading.Lock()
        self.pinning = 0
        self.most_pinning = 0
        self.pinned: list[int] = []
        self.said: list[int] = []
        kinds = (
            Kind(Pin, self.pin, lambda e: "pin", serial=True),
            Kind(Say, self.say, lambda e: "say"),
        )
        self.adapter = Adapter("gated", "the test", kinds, RetryPolicy(longest=5))

    def pin(self, claimed: outbox.Claimed, payload: Pin) -> Outcome:
        with self.lock:
            self.pinning += 1
            self.most_pinning = max(self.most_pinning, self.pinning)
        self.release.wait(10)
        with self.lock:
            self.pinning -= 1
            self.pinned.append(payload.n)
        return Done({"ok": True})

    def say(self, claimed: outbox.Claimed, payload: Say) -> Outcome:
        with self.lock:
            self.said.append(payload.n)
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
    assert registry.serial == {"slow_pin"}
    for n in range(3):  # each in its own lane: nothing orders them but the one-at-a-time rule
        owe(sessions, f"pin-{n}", Pin(n=n), lane=f"pins:{n}")
        owe(sessions, f"say-{n}", Say(n=n), lane=f"says:{n}")
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
