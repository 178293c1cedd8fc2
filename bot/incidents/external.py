"""One record of the things the bot made outside for an incident (a Slack message or bookmark, a
page, a ticket, a status-page incident): which system, for what, its id there and its link.

A row may be written when the thing is owed (``expect``: no id yet) and completed by the adapter
that makes it (``record``), so the domain knows where an incident is shown before it is shown.
"""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.dialect import dialect_of, insert_for
from bot.db.models import ExternalRef


def expect(session: Session, incident_id: int, system: str, purpose: str) -> None:
    """Something will be made for ``purpose`` (once)."""
    values = {"incident_id": incident_id, "system": system, "purpose": purpose}
    session.execute(_expect_statement(dialect_of(session)), values)


def record(
    session: Session,
    incident_id: int,
    system: str,
    purpose: str,
    external_id: str,
    *,
    container: str | None = None,
    url: str | None = None,
) -> None:
    """What was made: its id in ``container`` (a channel, a project, a page) and its link. The same
    purpose again replaces it (the latest upload of a document)."""
    values = {"incident_id": incident_id, "system": system, "purpose": purpose}
    made = {"container": container, "external_id": external_id, "url": url}
    session.execute(_record_statement(dialect_of(session)), {**values, **made})


# Built once, run with parameters (a burst of reminders expects and records hundreds).
@functools.cache
def _expect_statement(dialect: str) -> Any:
    statement = insert_for(dialect, ExternalRef.__table__)
    return statement.on_conflict_do_nothing(index_elements=_KEY)


@functools.cache
def _record_statement(dialect: str) -> Any:
    statement = insert_for(dialect, ExternalRef.__table__)
    made = {name: statement.excluded[name] for name in ("container", "external_id", "url")}
    return statement.on_conflict_do_update(index_elements=_KEY, set_=made)


_KEY = ["incident_id", "system", "purpose"]


def find(session: Session, incident_id: int, system: str, purpose: str) -> ExternalRef | None:
    """The record of what was made for ``purpose`` (None: nothing owed or made)."""
    query = select(ExternalRef).where(
        ExternalRef.incident_id == incident_id, ExternalRef.system == system, ExternalRef.purpose == purpose
    )
    return session.scalars(query).first()


def purposes(session: Session, incident_id: int, system: str) -> set[str]:
    """What the incident has (or is owed) in ``system``."""
    query = select(ExternalRef.purpose).where(
        ExternalRef.incident_id == incident_id, ExternalRef.system == system
    )
    return set(session.scalars(query))
