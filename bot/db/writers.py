"""The queue of one process's SQLite writers: first come, first served, requests before background.

SQLite takes one writer at a time, and its busy handler polls with growing sleeps (up to 100 ms),
so a writer that loses the race may wait far longer than the write it waits for. Writers of one
process queue here instead: the lock is handed to the next in line the moment it is released, in
arrival order, so no writer is passed over. A request (someone waiting for the ack) goes before
background work (delivery, the tick); background work that has waited ``AGE`` goes next anyway,
so it is slowed by a burst of requests, never stopped by one.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

# Background work waits at most this long for requests queued after it.
AGE = 0.25

_local = threading.local()


@contextmanager
def background() -> Iterator[None]:
    """The changes this thread makes in the block give way to requests (see the module doc)."""
    before = getattr(_local, "background", False)
    _local.background = True
    try:
        yield
    finally:
        _local.background = before


def in_background() -> bool:
    return bool(getattr(_local, "background", False))


class WriterBusy(Exception):
    """Another change held the (SQLite) database's write lock for longer than the timeout."""


@dataclass
class _Waiter:
    thread: int
    since: float
    granted: threading.Event = field(default_factory=threading.Event)


class WriterQueue:
    """A re-entrant lock handed over in order, requests first (see the module doc)."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._owner: int | None = None
        self._depth = 0
        self._requests: deque[_Waiter] = deque()
        self._background: deque[_Waiter] = deque()

    def acquire(self, timeout: float) -> None:
        """Take the lock, waiting at most ``timeout`` seconds; raise WriterBusy after that."""
        me = threading.get_ident()
        with self._mutex:
            if self._owner == me:
                self._depth += 1
                return
            if self._owner is None:
                self._owner, self._depth = me, 1
                return
            waiter = _Waiter(me, time.monotonic())
            line = self._background if in_background() else self._requests
            line.append(waiter)
        if waiter.granted.wait(timeout):
            return
        with self._mutex:
            if waiter.granted.is_set():  # handed over just as the wait ran out: take it
                return
            line.remove(waiter)
        raise WriterBusy(f"another change held the database for over {timeout:g} s")

    @property
    def waiting(self) -> int:
        with self._mutex:
            return len(self._requests) + len(self._background)

    def release(self) -> None:
        with self._mutex:
            self._depth -= 1
            if self._depth:
                return
            waiter = self._next()
            if waiter is None:
                self._owner = None
                return
            self._owner, self._depth = waiter.thread, 1
            waiter.granted.set()

    def _next(self) -> _Waiter | None:
        if self._background and (not self._requests or time.monotonic() - self._background[0].since >= AGE):
            return self._background.popleft()
        if self._requests:
            return self._requests.popleft()
        return None

    @contextmanager
    def held(self, timeout: float) -> Iterator[None]:
        self.acquire(timeout)
        try:
            yield
        finally:
            self.release()
