"""Joining a private incident's channel from outside it: only people the incident asked for (its
escalation targets, the owners of its action items) may, with a button the bot sent them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.config.policy import Policy
from bot.db.engine import transaction
from bot.db.models import ActionItem, Incident, RoleAssignment
from bot.errors import Refusal
from bot.incidents import effects, queries, timeline


def invited(session: Session, policy: Policy, incident: Incident, user: str) -> bool:
    """Whether the incident asked ``user`` in: a person named by an escalation target, an action
    item's owner, or someone who holds or held one of its roles."""
    if any(user in target.users for target in policy.escalation.targets.values()):
        return True
    owners = select(ActionItem.id).where(ActionItem.incident_id == incident.id, ActionItem.owner == user)
    roles = select(RoleAssignment.id).where(
        RoleAssignment.incident_id == incident.id, RoleAssignment.user_id == user
    )
    return session.scalars(owners).first() is not None or session.scalars(roles).first() is not None


def join(sessions: sessionmaker[Session], policy: Policy, incident_id: int, user: str, now: datetime) -> bool:
    """Bring ``user`` into the incident's channel; False when they had asked already (a second click)."""
    try:
        with transaction(sessions) as session:
            incident = queries.lock(session, incident_id)
            if not invited(session, policy, incident, user):
                raise Refusal("not_invited", incident.ref)
            event = timeline.record(session, incident, "joined", now, user)
            event.source_key = f"{incident.ref}:joined:{user}"
            effects.invite(session, policy, incident, [user], f"join:{user}", now, user)
    except IntegrityError:
        return False
    return True
