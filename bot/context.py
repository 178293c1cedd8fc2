"""Everything a listener or a scheduled job needs, built once by the app factory."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from bot.policy import Policy
from bot.settings import Settings
from bot.slack.gateway import SlackGateway
from bot.slack.people import People
from bot.slack.render import Renderer


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
