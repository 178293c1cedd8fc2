"""A person's overview of the open incidents (the bot's Home tab in Slack)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from bot.db.engine import transaction
from bot.incidents import effects


def show(sessions: sessionmaker[Session], user: str, now: datetime) -> None:
    """Someone looked: show them the overview now, and keep it current while incidents change."""
    with transaction(sessions) as session:
        effects.show_overview(session, user, now)
