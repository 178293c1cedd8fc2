"""Who may act on an incident at all, decided from who is asking, never from what a request carries.

A public incident is everyone's (what each may change is decided by the change: resolving is the
commander's, see ``permissions``). A private incident is only its people's: the members of its
channel, whoever holds or held one of its roles, whoever declared it, and the policy's admins. For
anyone else it does not exist: the request is refused exactly as one naming no incident, so
nothing about it is revealed (not its title, not that it is there). Whether someone is an admin or
a member of the channel takes a question to Slack: the caller answers it, lazily, through ``Asker``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from bot.db.models import ActionItem, Incident
from bot.errors import NotFound


@dataclass(frozen=True)
class Asker:
    """The person a request comes from (Slack signs who that is), and how to learn what the domain
    cannot know by itself."""

    user: str
    is_admin: Callable[[], bool]
    in_channel: Callable[[str], bool]  # a member of this channel now


def may_act(incident: Incident, asker: Asker) -> bool:
    if not incident.is_private or asker.user == incident.declared_by:
        return True
    if any(role.user_id == asker.user for role in incident.roles):
        return True
    if incident.channel_id and asker.in_channel(incident.channel_id):
        return True
    return asker.is_admin()


def check(incident: Incident | None, asker: Asker) -> Incident:
    """The incident, if ``asker`` may act on it; else NotFound, as if there were none."""
    if incident is None or not may_act(incident, asker):
        raise NotFound("no such incident")
    return incident


def incident(session: Session, incident_id: int, asker: Asker) -> Incident:
    return check(session.get(Incident, incident_id), asker)


def item(session: Session, item_id: int, asker: Asker) -> ActionItem:
    """A follow-up, if ``asker`` may act on its incident."""
    found = session.get(ActionItem, item_id)
    if found is None:
        raise NotFound("no such follow-up")
    check(session.get(Incident, found.incident_id), asker)
    return found
