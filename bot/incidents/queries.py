"""Reading incidents: by channel, by reference, the open ones."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.models import OPEN_STATUSES, Incident
from bot.errors import NotFound

_REF = re.compile(r"^INC-(\d{4})-(\d{1,6})$", re.IGNORECASE)


def lock(session: Session, incident_id: int) -> Incident:
    """Load an incident to change it, holding its row lock to the end of the transaction.

    Two changes to one incident (a double submit on PostgreSQL, where reads do not block) then
    run one after the other, and the second sees what the first did.
    """
    incident = session.get(Incident, incident_id, with_for_update=True)
    if incident is None:
        raise NotFound(f"incident {incident_id}")
    return incident


def by_channel(session: Session, channel_id: str) -> Incident | None:
    return session.scalars(select(Incident).where(Incident.channel_id == channel_id)).one_or_none()


def by_ref(session: Session, ref: str) -> Incident | None:
    match = _REF.match(ref.strip())
    if not match:
        return None
    query = select(Incident).where(Incident.year == int(match[1]), Incident.number == int(match[2]))
    return session.scalars(query).one_or_none()


def open_incidents(session: Session) -> list[Incident]:
    query = (
        select(Incident)
        .where(Incident.status.in_([s.value for s in OPEN_STATUSES]))
        .order_by(Incident.declared_at.desc(), Incident.id.desc())
    )
    return list(session.scalars(query))
