"""Everything a listener or a scheduled job needs, built once by the app factory."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from bot.policy import Policy
from bot.settings import Settings
from bot.slack.gateway import SlackGateway
from bot.slack.people import People
from bot.slack.render import Renderer


class KeyedLocks:
    """One lock per key (an incident id), made on first use."""

    def __init__(self) -> None:
        self._locks: dict[int, threading.Lock] = {}
        self._guard = threading.Lock()

    def get(self, key: int) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(key, threading.Lock())


@dataclass
class Context:
    settings: Settings
    policy: Policy
    engine: Engine
    sessions: sessionmaker[Session]
    slack: SlackGateway
    render: Renderer
    clock: Clock
    people: People
    # Serialises the edits of one incident's announcements within this process (commit order).
    incident_locks: KeyedLocks = field(default_factory=KeyedLocks)
