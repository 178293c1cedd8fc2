"""What every listener, scheduled job, delivery worker and adapter gets, built once by the app
factory: the settings and policy, the database, the clock, the renderer, and the adapters that
deliver what the outbox holds. Each adapter's own services (Slack's clients) extend it."""

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
from bot.outbox.adapters import Registry
from bot.rendering import Renderer
from bot.runtime.in_flight import InFlight
from bot.runtime.metrics import Metrics


@dataclass(kw_only=True)
class Context:
    settings: Settings
    policy: Policy
    engine: Engine
    sessions: sessionmaker[Session]
    render: Renderer
    clock: Clock
    database: DatabaseWatch = field(default_factory=DatabaseWatch)
    # Requests waiting for their ack: background work gives way to them.
    in_flight: InFlight = field(default_factory=InFlight)
    # The adapters this replica delivers effects with (set by the app once they exist).
    adapters: Registry = field(default_factory=lambda: Registry(()))
    # Wakes the delivery workers (set by the app once they exist).
    wake: Callable[[], None] = field(default=lambda: None)
    # What the people who run the bot see at GET /metrics.
    metrics: Metrics = field(default_factory=Metrics)
    # Tells the scheduler that committed work comes due at this time (set by the app).
    work_due: Callable[[datetime], None] = field(default=lambda _due: None)

    def __deepcopy__(self, memo: dict[int, Any]) -> Context:
        return self  # shared services: a copy of what holds it (say, a Bolt context) shares them
