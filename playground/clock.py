"""A scaled clock for the demo: time runs ``speed`` times faster than the wall clock.

``now = start + (real time elapsed since start) * speed``. The bot gets it as its injectable
clock (a timezone-aware UTC ``datetime``), the stand-in as the source of message timestamps
(``timestamp()``), so both agree on what time it is and nothing sleeps for real minutes.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta


class ScaledClock:
    def __init__(
        self,
        speed: float = 1.0,
        start: datetime | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if speed <= 0:
            raise ValueError("speed must be greater than 0")
        if start is not None and start.tzinfo is None:
            raise ValueError("start must be timezone-aware")
        self.speed = float(speed)
        self.start = (start or datetime.now(UTC)).astimezone(UTC)
        self._monotonic = monotonic
        self._origin = monotonic()

    def __call__(self) -> datetime:
        """The scaled time now, in UTC (what ``bot.clock.Clock`` expects)."""
        elapsed = (self._monotonic() - self._origin) * self.speed
        return self.start + timedelta(seconds=elapsed)

    def timestamp(self) -> float:
        """The scaled time now as seconds since the epoch (for message ``ts``)."""
        return self().timestamp()

    def real_seconds(self, scaled: timedelta) -> float:
        """How many wall-clock seconds a span of scaled time takes."""
        return scaled.total_seconds() / self.speed
