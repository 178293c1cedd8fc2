"""Pacing posts per channel: Slack allows about one message per second in a channel."""

from __future__ import annotations

import threading
import time


class ChannelPacer:
    """Hands out send slots ``interval`` seconds apart per channel; callers sleep until theirs."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()

    def wait(self, channel: str) -> None:
        if self.interval <= 0:
            return
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next.get(channel, 0.0))
            self._next[channel] = slot + self.interval
            if len(self._next) > 10_000:  # forget channels whose slots have passed
                self._next = {c: t for c, t in self._next.items() if t > now}
        if slot > now:
            time.sleep(slot - now)
