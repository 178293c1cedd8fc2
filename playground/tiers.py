"""Slack's rate limits, as a table: each Web API method's budget a minute (its tier), per workspace,
shared by every process of the app. Beyond it Slack answers 429 with ``Retry-After``: the seconds
until the window frees. A call made before a ``Retry-After`` it was given has passed is a violation
(Slack may then block the app for longer); the stand-in counts them for tests and benchmarks.

chat.postMessage is limited per channel (about one a second, short bursts allowed), not by tier.
"""

from __future__ import annotations

import math
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable

TIER_1, TIER_2, TIER_3, TIER_4 = 1, 20, 50, 100  # calls a minute
# chat.postMessage: a burst, then about one a second per channel
POST_BURST, POST_WINDOW = 3, 1.0

PER_MINUTE: dict[str, int] = {
    "conversations.create": TIER_2,
    "conversations.setTopic": TIER_2,
    "conversations.archive": TIER_2,
    "pins.add": TIER_2,
    "bookmarks.add": TIER_2,
    "bookmarks.list": TIER_3,
    "files.getUploadURLExternal": TIER_4,
    "files.completeUploadExternal": TIER_4,
    "conversations.invite": TIER_3,
    "conversations.join": TIER_3,
    "conversations.history": TIER_3,
    "conversations.replies": TIER_3,
    "conversations.info": TIER_3,
    "conversations.members": TIER_4,
    "conversations.list": TIER_2,
    "conversations.open": TIER_3,
    "chat.update": TIER_3,
    "chat.postEphemeral": TIER_4,
    "views.open": TIER_4,
    "views.update": TIER_4,
    "views.push": TIER_4,
    "views.publish": TIER_4,
    "users.info": TIER_4,
    "users.lookupByEmail": TIER_4,
    "usergroups.users.list": TIER_2,
    "auth.test": TIER_4,
    "bots.info": TIER_4,
}


class Tiers:
    """Counts calls in a sliding minute per method (and a second per channel for posts)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, minute: float = 60.0) -> None:
        """``minute``: how long a budget's window lasts (a test may shorten Slack's minute)."""
        self.clock, self.minute = clock, minute
        self._calls: dict[str, deque[float]] = defaultdict(deque)
        self._blocked: dict[str, float] = {}  # until when a 429 told the app to wait
        self._lock = threading.Lock()
        self.violations: dict[str, int] = defaultdict(int)
        self.limited: dict[str, int] = defaultdict(int)  # 429s answered, by method

    def check(self, method: str, channel: str | None = None) -> int | None:
        """None: the call may go (and is counted); else the seconds to wait (a 429)."""
        if method == "chat.postMessage":
            budget, window, name = POST_BURST, POST_WINDOW, f"{method}:{channel}"
        elif method in PER_MINUTE:
            budget, window, name = PER_MINUTE[method], self.minute, method
        else:
            return None
        with self._lock:
            now = self.clock()
            if self._blocked.get(name, 0.0) > now:
                self.violations[method] += 1
            calls = self._calls[name]
            while calls and calls[0] <= now - window:
                calls.popleft()
            if len(calls) >= budget:
                wait = max(1, math.ceil(calls[0] + window - now))
                self._blocked[name] = now + wait
                self.limited[method] += 1
                return wait
            calls.append(now)
            return None

    def total_violations(self) -> int:
        with self._lock:
            return sum(self.violations.values())
