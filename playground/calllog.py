"""The ordered record of Web API calls, with blocking waits for tests."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from playground.records import Call

CallPredicate = Callable[[Call], bool]


class CallLog:
    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._calls: list[Call] = []

    def record(self, call: Call) -> None:
        with self._cond:
            self._calls.append(call)
            self._cond.notify_all()

    def reset(self) -> None:
        with self._cond:
            self._calls.clear()

    def calls(self, method: str | None = None) -> list[Call]:
        with self._cond:
            return [c for c in self._calls if method is None or c.method == method]

    def _matching(self, method: str, predicate: CallPredicate | None) -> list[Call]:
        return [c for c in self._calls if c.method == method and (predicate is None or predicate(c))]

    def wait_for_count(
        self, method: str, count: int, predicate: CallPredicate | None = None, timeout: float = 5.0
    ) -> list[Call]:
        """Block until ``count`` matching calls are recorded; return the first ``count``."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = self._matching(method, predicate)
                if len(found) >= count:
                    return found[:count]
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        f"expected {count} {method} call(s){' matching predicate' if predicate else ''} "
                        f"within {timeout}s, saw {len(found)}.\n{self._describe()}"
                    )
                self._cond.wait(min(remaining, 0.05))

    def wait_for(self, method: str, predicate: CallPredicate | None = None, timeout: float = 5.0) -> Call:
        """The earliest matching call, waiting for it if it has not happened yet."""
        return self.wait_for_count(method, 1, predicate, timeout)[0]

    def _describe(self, tail: int = 15) -> str:
        if not self._calls:
            return "No Web API calls were recorded."
        counts = Counter(c.method for c in self._calls)
        summary = ", ".join(f"{m} x{n}" for m, n in counts.items())
        lines = [f"Recorded methods: {summary}", f"Last {min(tail, len(self._calls))} call(s):"]
        for call in self._calls[-tail:]:
            outcome = "ok" if call.ok else f"{call.status} {call.error}"
            shown = ("channel", "channel_id", "user", "users", "name")
            keys: dict[str, Any] = {k: call.args[k] for k in shown if k in call.args}
            text = call.args.get("text")
            if isinstance(text, str):
                keys["text"] = text[:60]
            lines.append(f"  {call.method} -> {outcome} {keys}")
        return "\n".join(lines)

    def describe(self) -> str:
        with self._cond:
            return self._describe()
