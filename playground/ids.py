"""Slack-looking identifiers: object ids, message timestamps, trigger ids, view hashes."""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable


class IdFactory:
    """Thread-safe source of unique ids and strictly increasing message ``ts`` strings.

    ``now`` (seconds since the epoch, default the real time) is the clock message ``ts`` follow:
    the demo passes a scaled clock so message times agree with the bot's.
    """

    def __init__(self, start: int = 0x1000, now: Callable[[], float] = time.time) -> None:
        self.now = now
        self._lock = threading.Lock()
        self._counter = start
        self._last_ts_us = 0

    def _next(self) -> int:
        with self._lock:
            self._counter += 1
            return self._counter

    def object_id(self, prefix: str) -> str:
        """``C0000001001``-style ids; one counter for all prefixes, so ids never collide."""
        return f"{prefix}{self._next():010X}"

    def ts(self) -> str:
        """A message timestamp like ``1700000000.000100``, unique and increasing."""
        with self._lock:
            now_us = int(self.now() * 1_000_000)
            self._last_ts_us = max(now_us, self._last_ts_us + 1)
            us = self._last_ts_us
        return f"{us // 1_000_000}.{us % 1_000_000:06d}"

    def trigger_id(self) -> str:
        return f"{int(time.time())}{self._next()}.{self._next()}.{secrets.token_hex(16)}"

    def view_hash(self) -> str:
        return f"{int(time.time())}.{secrets.token_hex(4)}"

    def token(self, nbytes: int = 12) -> str:
        return secrets.token_urlsafe(nbytes)
