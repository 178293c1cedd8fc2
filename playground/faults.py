"""Fault injection: scripted failures, random failures, and holds that park calls mid-flight."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

ArgsPredicate = Callable[[dict[str, Any]], bool]
ANY_METHOD = "*"
# Random faults skip the Socket Mode handshake unless a test names it explicitly.
RANDOM_FAULT_EXEMPT = frozenset({"apps.connections.open"})


@dataclass(frozen=True)
class FaultReply:
    status: int
    body: dict[str, Any]
    headers: dict[str, str]


def make_fault(status: int, retry_after: int, error: str | None) -> FaultReply:
    if status == 429:
        body = {"ok": False, "error": error or "ratelimited"}
        return FaultReply(429, body, {"Retry-After": str(retry_after)})
    if status >= 500:
        return FaultReply(status, {"ok": False, "error": error or "internal_error"}, {})
    return FaultReply(status, {"ok": False, "error": error or "fatal_error"}, {})


@dataclass
class _Scripted:
    method: str
    remaining: int
    reply: FaultReply


@dataclass
class _Rates:
    rate_429: float
    rate_500: float
    rng: random.Random
    methods: frozenset[str] | None
    retry_after: int


class HoldHandle:
    """Parks calls to one method until :meth:`release`; :meth:`wait_held` sees them arrive."""

    def __init__(self, method: str, predicate: ArgsPredicate | None) -> None:
        self.method = method
        self.predicate = predicate
        self._released = threading.Event()
        self._cond = threading.Condition()
        self._held = 0

    @property
    def held(self) -> int:
        """How many calls have been parked by this hold so far."""
        with self._cond:
            return self._held

    @property
    def released(self) -> bool:
        return self._released.is_set()

    def matches(self, method: str, args: dict[str, Any]) -> bool:
        if self._released.is_set() or method != self.method:
            return False
        return self.predicate is None or self.predicate(args)

    def park(self) -> None:
        with self._cond:
            self._held += 1
            self._cond.notify_all()
        self._released.wait()

    def wait_held(self, timeout: float = 5.0, count: int = 1) -> bool:
        with self._cond:
            return self._cond.wait_for(lambda: self._held >= count, timeout)

    def release(self) -> None:
        self._released.set()


ReplyHook = Callable[[str, dict[str, Any], dict[str, Any]], None]


class HookHandle:
    """A hook run after a call is carried out and before its reply leaves (see ``before_reply``)."""

    def __init__(self, method: str, hook: ReplyHook, predicate: ArgsPredicate | None) -> None:
        self.method, self.hook, self.predicate = method, hook, predicate
        self.removed = False

    def matches(self, method: str, args: dict[str, Any]) -> bool:
        if self.removed or method != self.method:
            return False
        return self.predicate is None or self.predicate(args)

    def remove(self) -> None:
        self.removed = True


class FaultInjector:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._scripted: list[_Scripted] = []
        self._rates: _Rates | None = None
        self._holds: list[HoldHandle] = []
        self._hooks: list[HookHandle] = []
        self._latency: tuple[float, float, random.Random] | None = None

    def set_latency(self, low: float, high: float, seed: int) -> None:
        if not 0 <= low <= high:
            raise ValueError("latency must be 0 <= low <= high seconds")
        with self._lock:
            self._latency = (low, high, random.Random(seed)) if high > 0 else None

    def delay(self) -> float:
        """How long this call takes to answer (as Slack does: 50-300 ms is usual), in seconds."""
        with self._lock:
            if self._latency is None:
                return 0.0
            low, high, rng = self._latency
            return rng.uniform(low, high)

    def before_reply(self, method: str, hook: ReplyHook, predicate: ArgsPredicate | None) -> HookHandle:
        handle = HookHandle(method, hook, predicate)
        with self._lock:
            self._hooks.append(handle)
        return handle

    def run_hooks(self, method: str, args: dict[str, Any], body: dict[str, Any]) -> None:
        """Run the matching hooks (e.g. a test killing the bot: Slack did the work, the reply is lost)."""
        with self._lock:
            self._hooks = [h for h in self._hooks if not h.removed]
            hooks = [h for h in self._hooks if h.matches(method, args)]
        for handle in hooks:
            handle.hook(method, args, body)

    def fail_next(self, method: str, status: int, times: int, retry_after: int, error: str | None) -> None:
        if times < 1:
            raise ValueError("times must be >= 1")
        with self._lock:
            self._scripted.append(_Scripted(method, times, make_fault(status, retry_after, error)))

    def set_rates(
        self, rate_429: float, rate_500: float, seed: int, methods: set[str] | None, retry_after: int
    ) -> None:
        if rate_429 < 0 or rate_500 < 0 or rate_429 + rate_500 > 1:
            raise ValueError("fault rates must be >= 0 and sum to at most 1")
        frozen = frozenset(methods) if methods is not None else None
        with self._lock:
            self._rates = _Rates(rate_429, rate_500, random.Random(seed), frozen, retry_after)

    def clear(self) -> None:
        with self._lock:
            self._scripted.clear()
            self._rates = None
            self._latency = None
            self._hooks.clear()
        self.release_all()

    def take(self, method: str) -> FaultReply | None:
        """The fault to answer this call with, consuming one scripted use, or None."""
        with self._lock:
            for scripted in self._scripted:
                if scripted.method in (method, ANY_METHOD):
                    scripted.remaining -= 1
                    if scripted.remaining == 0:
                        self._scripted.remove(scripted)
                    return scripted.reply
            rates = self._rates
            if rates is None:
                return None
            if rates.methods is None and method in RANDOM_FAULT_EXEMPT:
                return None
            if rates.methods is not None and method not in rates.methods:
                return None
            roll = rates.rng.random()
        if roll < rates.rate_429:
            return make_fault(429, rates.retry_after, None)
        if roll < rates.rate_429 + rates.rate_500:
            return make_fault(500, rates.retry_after, None)
        return None

    def hold(self, method: str, predicate: ArgsPredicate | None) -> HoldHandle:
        handle = HoldHandle(method, predicate)
        with self._lock:
            self._holds.append(handle)
        return handle

    def wait_if_held(self, method: str, args: dict[str, Any]) -> None:
        with self._lock:
            self._holds = [h for h in self._holds if not h.released]
            handle = next((h for h in self._holds if h.matches(method, args)), None)
        if handle is not None:
            handle.park()

    def release_all(self) -> None:
        with self._lock:
            holds, self._holds = self._holds, []
        for handle in holds:
            handle.release()
