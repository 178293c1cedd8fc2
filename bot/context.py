"""Everything a listener, a scheduled job or a delivery worker needs, built once by the app factory."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from bot.config.policy import Policy
from bot.config.settings import Settings
from bot.db.health import DatabaseWatch
from bot.rendering import Renderer
from bot.runtime.in_flight import InFlight
from bot.slack.gateway import SlackGateway
from bot.slack.people import People


@dataclass
class Context:
    settings: Settings
    policy: Policy
    engine: Engine
    sessions: sessionmaker[Session]
    # The request path (forms, replies, questions about people): a quick retry at most.
    slack: SlackGateway
    # The delivery workers: no retries inside a call; the outbox decides when to try again.
    outbound: SlackGateway
    render: Renderer
    clock: Clock
    people: People
    database: DatabaseWatch = field(default_factory=DatabaseWatch)
    # Requests waiting for their ack: background work gives way to them.
    in_flight: InFlight = field(default_factory=InFlight)
    # Wakes the delivery workers (set by the app once they exist).
    wake: Callable[[], None] = field(default=lambda: None)
    # Tells the scheduler that committed work comes due at this time (set by the app).
    work_due: Callable[[datetime], None] = field(default=lambda _due: None)

    def __deepcopy__(self, memo: dict[int, Any]) -> Context:
        return self  # shared services: Bolt copies its context for lazy listeners, this stays one
