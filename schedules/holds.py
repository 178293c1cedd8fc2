"""Keeping holds (``bot.outbox.holds``): which kinds this replica may claim while a system refuses
the bot, and probing held systems with back-off until they accept it again."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from bot.outbox import holds
from bot.outbox.holds import Hold
from bot.outbox.store import Known
from bot.runtime.context import Context

log = logging.getLogger(__name__)

# Holds another replica started are seen within this many seconds.
REFRESH = 1.0


class HoldKeeper:
    def __init__(self, ctx: Context, wake: Callable[[], None]) -> None:
        self.ctx, self.wake = ctx, wake
        self._lock = threading.Lock()
        self._read_at = float("-inf")
        self._known = ctx.adapters.known()
        self._holds: list[Hold] = []

    def known(self) -> Known:
        """The kinds this replica may claim now: its adapters' less those on hold."""
        with self._lock:
            fresh = time.monotonic() - self._read_at < REFRESH
        if not fresh:
            self.refresh()
        with self._lock:
            return self._known

    def refresh(self) -> list[Hold]:
        with self.ctx.sessions() as session:
            found = holds.active(session)
        with self._lock:
            self._holds, self._read_at = found, time.monotonic()
            self._known = self.ctx.adapters.known(found)
        return found

    def changed(self) -> None:
        """A hold started here: read them again before the next claim."""
        with self._lock:
            self._read_at = float("-inf")

    def probe_due(self) -> float | None:
        """Probe the holds that are due; returns seconds until the next probe (None: no hold)."""
        now = self.ctx.clock()
        current = self.refresh()
        for hold in current:
            adapter = self.ctx.adapters.adapter(hold.adapter)
            if adapter is None or adapter.probe is None or hold.probe_at > now:
                continue
            if not holds.take_probe(self.ctx.sessions, hold, now, adapter.retry.delay(hold.probes + 1)):
                continue  # another replica probes it
            if hold.timed:  # a rate limit's wait is over: nothing to ask
                if holds.lift(self.ctx.sessions, hold):
                    self.changed()
                    self.wake()
                continue
            try:
                accepted = adapter.probe(hold)
            except Exception:
                log.exception("probing %s failed", adapter.system)
                accepted = False
            if accepted and holds.lift(self.ctx.sessions, hold):
                what = f"{hold.kind} effects" if hold.kind else "the bot"
                log.warning("%s accepts %s again: delivering what waited", adapter.system, what)
                self.changed()
                self.wake()
        remaining = self.refresh()
        if not remaining:
            return None
        soonest = min(h.probe_at for h in remaining)
        return max((soonest - self.ctx.clock()).total_seconds(), 0.05)
