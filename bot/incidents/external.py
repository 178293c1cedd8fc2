"""One record of the things the bot made outside for an incident (a Slack message or bookmark, a
page, a ticket, a status-page incident): which system, for what, its id there and its link.

A row may be written when the thing is owed (``expect``: no id yet) and completed by the adapter
that makes it (``record``), so the domain knows where an incident is shown before it is shown.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.dialect import upsert_insert
from bot.db.models import ExternalRef


def expect(session: Session, incident_id: int, system: str, purpose: str) -> None:
    """Something will be made for ``purpose`` (once)."""
    statement = upsert_insert(session, ExternalRef).values(
        incident_id=incident_id, system=system, purpose=purpose
    )
    session.execute(statement.on_conflict_do_nothing(index_elements=["incident_id", "system", "purpose"]))


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
    values = {"container": container, "external_id": external_id, "url": url}
    statement = upsert_insert(session, ExternalRef).values(
        incident_id=incident_id, system=system, purpose=purpose, **values
    )
    session.execute(
        statement.on_conflict_do_update(index_elements=["incident_id", "system", "purpose"], set_=values)
    )


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
