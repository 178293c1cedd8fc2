"""Requests in flight: someone is waiting for each one's ack (due within 3 s).

Background work (the delivery workers) gives way to them: before taking its next effect a worker
waits until no request is in flight, or ``GIVE_WAY`` at most, holding nothing while it waits. A
burst of commands is answered first; delivery is slowed by it, never stopped by it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

GIVE_WAY = 0.25


class InFlight:
    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._count = 0

    @contextmanager
    def request(self) -> Iterator[None]:
        with self._cond:
            self._count += 1
        try:
            yield
        finally:
            with self._cond:
                self._count -= 1
                if not self._count:
                    self._cond.notify_all()

    @property
    def count(self) -> int:
        return self._count

    def give_way(self, at_most: float = GIVE_WAY) -> None:
        """Wait until no request is in flight, ``at_most`` seconds."""
        with self._cond:
            self._cond.wait_for(lambda: not self._count, at_most)
