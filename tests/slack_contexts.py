"""A SlackContext for unit tests: the database given, Slack at an address nothing answers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.config.policy import Policy
from bot.config.settings import Settings
from bot.integrations.pagerduty.oncall import OnCallDirectory
from bot.rendering import Renderer
from bot.slack.context import SlackContext
from bot.slack.gateway import SlackGateway
from bot.slack.people import People


def slack_context(
    engine: Engine,
    sessions: sessionmaker[Session],
    now: datetime,
    settings: Settings | None = None,
    **extra: Any,
) -> SlackContext:
    slack = SlackGateway(WebClient(token="xoxb-test", base_url="http://127.0.0.1:9/"))
    return SlackContext(
        settings=settings or Settings(),
        policy=Policy(),
        engine=engine,
        sessions=sessions,
        render=Renderer(),
        clock=lambda: now,
        slack=slack,
        outbound=slack,
        people=People(slack, Policy().admins),
        oncall=OnCallDirectory(None, lambda email: None, lambda: now),
        **extra,
    )
