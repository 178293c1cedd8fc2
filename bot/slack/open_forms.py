"""The forms the bot opened: who each was opened for and what its submission needs (the incident,
the reply URL). Kept under the bot's own random id, which the view carries as its ``external_id``,
and written before the form opens; a submission is read against this, never against the view's
``private_metadata``, which the person submitting could have changed."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete
from sqlalchemy.orm import Session, sessionmaker

from bot.db.engine import transaction
from bot.db.models import OpenForm

# A form left open longer than this is forgotten (run the command again).
KEPT = timedelta(days=1)


@dataclass(frozen=True)
class Opened:
    user: str
    name: str
    data: dict[str, Any]


def remember(
    sessions: sessionmaker[Session], user: str, name: str, data: dict[str, Any], now: datetime
) -> str:
    """Keep what a form about to open needs; returns its id (the view's ``external_id``)."""
    form_id = f"form-{secrets.token_urlsafe(18)}"
    with transaction(sessions) as session:
        session.execute(delete(OpenForm).where(OpenForm.opened_at < now - KEPT))
        session.add(OpenForm(form_id=form_id, user_id=user, name=name, data=data, opened_at=now))
    return form_id


def recall(sessions: sessionmaker[Session], view: dict[str, Any]) -> Opened | None:
    """What was kept for the submitted ``view`` (by its ``external_id``), if anything."""
    form_id = str(view.get("external_id") or "")
    if not form_id:
        return None
    with sessions() as session:
        found = session.get(OpenForm, form_id)
        return None if found is None else Opened(found.user_id, found.name, dict(found.data or {}))
