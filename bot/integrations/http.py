"""Plain JSON over HTTP for the adapters of outside systems (the standard library's client: the
few calls each system needs are simple, and retrying is the outbox's job, not a client's)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from bot.outbox.outcome import Again, Failed
from bot.outbox.retry import RetryPolicy


class Refused(Exception):
    """The other side did not accept the request; the message says what it answered. ``for_good``:
    it refused the request itself (a 4xx other than 408 and 429), so sending it again cannot help.
    ``in_doubt``: the request may have been acted on (a timeout, a 5xx). ``retry_after``: seconds
    it asked us to wait (a 429)."""

    def __init__(
        self,
        message: str,
        *,
        for_good: bool = False,
        in_doubt: bool = False,
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.for_good, self.in_doubt, self.status, self.retry_after = for_good, in_doubt, status, retry_after


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any


def outcome(refused: Refused, attempts: int, retry: RetryPolicy) -> Again | Failed:
    """What a refused request means for its effect: given up when it was refused for good (it is
    reported), else tried again after the wait the other side asked for, or the back-off."""
    if refused.for_good:
        return Failed(str(refused))
    wait = timedelta(seconds=refused.retry_after) if refused.retry_after else retry.delay(attempts)
    return Again(wait, str(refused), in_doubt=refused.in_doubt)


def where(url: str) -> str:
    """The host of a URL, for a message: its path or query may carry a token, which is never shown."""
    return urlsplit(url).netloc or "the service"


def request(
    method: str,
    url: str,
    body: Any = None,
    *,
    headers: dict[str, str] | None = None,
    timeout: float = 10,
) -> Answer:
    """Send one request with a JSON body; the answer's JSON (or None). Refused for anything but 2xx."""
    data = None if body is None else json.dumps(body).encode()
    sent = {"Content-Type": "application/json", "Accept": "application/json", **(headers or {})}
    req = urllib.request.Request(url, data=data, headers=sent, method=method)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as reply:
            raw = reply.read()
            status = reply.status
    except urllib.error.HTTPError as exc:
        refused = 400 <= exc.code < 500 and exc.code not in (408, 429)
        wait = exc.headers.get("Retry-After") if exc.headers else None
        raise Refused(
            f"{where(url)} answered HTTP {exc.code}",
            for_good=refused,
            in_doubt=exc.code >= 500,
            status=exc.code,
            retry_after=_seconds(wait),
        ) from None
    except OSError as exc:  # URLError, timeouts: it may have arrived
        raise Refused(f"{where(url)}: {type(exc).__name__}", in_doubt=True) from None
    if status >= 300:
        raise Refused(f"{where(url)} answered HTTP {status}", status=status)
    try:
        return Answer(status, json.loads(raw) if raw.strip() else None)
    except ValueError:
        return Answer(status, None)


def _seconds(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None
