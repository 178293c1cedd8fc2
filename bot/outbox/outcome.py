"""What one delivery attempt came to, as an adapter reports it to the delivery worker.

An adapter never sleeps and never retries by itself: it returns an outcome and the worker records
it in the outbox.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


@dataclass(frozen=True)
class Done:
    """Delivered (or nothing left to do: ``result`` says why it was skipped). ``also`` is written in
    the transaction that records it (what the delivery made, say a message to edit later: both or
    neither)."""

    result: dict[str, Any] | None = None
    also: Callable[[Session], None] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Again:
    """Not delivered this time: try again after ``after``."""

    after: timedelta
    error: str
    in_doubt: bool = False  # the attempt may have reached the other side
    # The other side was busy or unreachable (a 429, a 5xx, a dropped connection): retried until it
    # lands. Otherwise (an error nobody knows, a bug) it is given up after a while, so one bad
    # effect never holds its lane for good.
    transient: bool = True
    # The place the effect was going to is unusable (an archived channel): a report goes elsewhere.
    place_gone: bool = False


@dataclass(frozen=True)
class Failed:
    """Refused for good: kept as failed, with the error, and reported once."""

    error: str
    place_gone: bool = False


@dataclass(frozen=True)
class Held:
    """Not this effect's fault and not the time to try (the other side refuses the bot itself, or
    this version cannot render it): tried again after ``after`` without spending an attempt,
    never reported as this effect's failure, never given up.

    ``holds``: the refusal covers more than this effect, the whole adapter (``"adapter"``: Slack
    refuses the bot's token) or this kind (``"kind"``: a scope the app lacks). Every replica then
    holds them (``bot.outbox.holds``) until the adapter's probe lifts it. ``detail`` is what the
    probe looks for (a scope's name); ``say`` is the line a person reads about it, once."""

    after: timedelta
    reason: str
    holds: Literal["adapter", "kind"] | None = None
    detail: str | None = None
    say: str | None = None
    # a rate limit: the hold ends by itself after ``after`` (no probe), and is not news to anyone
    timed: bool = False


Outcome = Done | Again | Failed | Held
