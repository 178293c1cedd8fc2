"""Background work gives way to requests in flight, for a bounded time."""

from __future__ import annotations

import threading
import time

from bot.runtime.in_flight import InFlight


def test_background_work_waits_for_requests_in_flight_but_not_for_ever() -> None:
    in_flight = InFlight()
    started = time.monotonic()
    in_flight.give_way(5)
    assert time.monotonic() - started < 1  # nothing in flight: no wait

    entered, leave = threading.Event(), threading.Event()

    def request() -> None:
        with in_flight.request():
            entered.set()
            leave.wait(5)

    thread = threading.Thread(target=request)
    thread.start()
    entered.wait(5)
    started = time.monotonic()
    in_flight.give_way(0.05)
    assert 0.04 < time.monotonic() - started < 1  # still in flight: waited its bound, then went on

    waited = threading.Thread(target=in_flight.give_way, args=(5,))
    waited.start()
    time.sleep(0.05)
    assert waited.is_alive()  # waiting for the request
    leave.set()
    waited.join(1)
    assert not waited.is_alive() and in_flight.count == 0  # went on once it ended
    thread.join(1)
