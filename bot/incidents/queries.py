"""Reading incidents: by channel, by reference, the open ones."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.models import Incident, Status

_REF = re.compile(r"^INC-(\d{4})-(\d{1,6})$", re.IGNORECASE)


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
        .where(Incident.status != Status.RESOLVED.value)
        .order_by(Incident.declared_at.desc(), Incident.id.desc())
    )
    return list(session.scalars(query))
