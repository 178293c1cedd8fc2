"""How patiently a queue retries: one policy type, named per queue (Slack, each outside system,
the scheduler's jobs), each setting it reads meaning one thing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class RetryPolicy:
    """Back-off doubles from ``first`` up to ``longest`` seconds between attempts.

    ``report_after``: after this many failed attempts the people concerned hear, once, that an
    effect is late. ``give_up_after``: an error nobody knows (or a bug) is given up after this many
    attempts, so it never holds its lane for good; a busy or unreachable service is waited out.
    """

    longest: float
    first: float = 1.0
    report_after: int = 5
    give_up_after: int = 10

    def delay(self, attempts: int) -> timedelta:
        """The wait after the ``attempts``-th failed attempt (1: the first)."""
        return timedelta(seconds=min(self.first * 2 ** max(attempts - 1, 0), max(self.longest, self.first)))
