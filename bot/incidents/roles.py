"""Roles: who holds which, taking, assigning, handing over and releasing them.

The database guarantees one current holder per role (a partial unique index), so two people
pressing "I'll take it" at the same moment cannot both win, on SQLite or PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.db.engine import transaction
from bot.db.models import Incident, RoleAssignment
from bot.incidents import queries, timeline
from bot.policy import COMMANDER_ROLE, TECH_LEAD_ROLE, Policy, Role

SCRIBE_ROLE = "scribe"
TROUBLESHOOTING_ROLES = (COMMANDER_ROLE, TECH_LEAD_ROLE)


class Outcome(StrEnum):
    ASSIGNED = "assigned"  # the role was empty and now has a holder
    HANDED_OVER = "handed_over"  # the role moved from one person to another
    RELEASED = "released"  # the holder stepped down (or was stood down)
    UNCHANGED = "unchanged"  # nothing to do: a double click, a repeat, already so


class Refusal(Exception):
    """A role change that is not allowed or lost a race; the message (mrkdwn) says why and who may."""


@dataclass(frozen=True)
class RoleChange:
    incident: Incident
    role: Role
    outcome: Outcome
    user: str | None  # the holder now
    previous: str | None  # the holder before
    actor: str
    acknowledged: bool = False  # this change gave the incident its first commander
    warning: str | None = None


def _current(session: Session, incident_id: int, role: str) -> RoleAssignment | None:
    query = select(RoleAssignment).where(
        RoleAssignment.incident_id == incident_id,
        RoleAssignment.role == role,
        RoleAssignment.released_at.is_(None),
    )
    return session.scalars(query).one_or_none()


def may_reassign(incident: Incident, role: str, actor: str, is_admin: bool) -> bool:
    return is_admin or actor in (incident.holder(COMMANDER_ROLE), incident.holder(role))


def who_may_reassign(incident: Incident, role: Role) -> str:
    people = [incident.holder(COMMANDER_ROLE), incident.holder(role.key)]
    named = " or ".join(f"<@{p}>" for p in dict.fromkeys(p for p in people if p))
    return f"{named}, or an incident admin" if named else "an incident admin"


def _scribe_warning(incident: Incident, role: str, user: str) -> str | None:
    advice = "The procedure wants the Scribe to be someone not troubleshooting"
    if role == SCRIBE_ROLE and any(incident.holder(r) == user for r in TROUBLESHOOTING_ROLES):
        return f"{advice}; <@{user}> also leads the response."
    if role in TROUBLESHOOTING_ROLES and incident.holder(SCRIBE_ROLE) == user:
        return f"{advice}; <@{user}> is also the Scribe."
    return None


def assign(
    sessions: sessionmaker[Session],
    policy: Policy,
    incident_id: int,
    role_key: str,
    user: str,
    actor: str,
    now: datetime,
    *,
    is_admin: bool = False,
    only_if_free: bool = False,
) -> RoleChange:
    """Give ``role_key`` to ``user``. ``only_if_free`` is "I'll take it": never takes it from someone."""
    role = policy.role(role_key)
    try:
        with transaction(sessions) as session:
            incident = queries.lock(session, incident_id)
            current = _current(session, incident_id, role.key)
            previous = current.user_id if current else None
            if previous == user:
                return RoleChange(incident, role, Outcome.UNCHANGED, user, previous, actor)
            if current is not None:
                if only_if_free:
                    raise Refusal(f"<@{previous}> already holds {role.name}.")
                if not may_reassign(incident, role.key, actor, is_admin):
                    who = who_may_reassign(incident, role)
                    raise Refusal(f"<@{previous}> holds {role.name}. Only {who} may reassign it.")
                _end(session, current, now)
            warning = _scribe_warning(incident, role.key, user)
            session.add(
                RoleAssignment(
                    incident_id=incident_id, role=role.key, user_id=user, assigned_by=actor, assigned_at=now
                )
            )
            session.flush()  # the unique index decides a race here
            acknowledged = role.key == COMMANDER_ROLE and incident.acknowledged_at is None
            if acknowledged:
                incident.acknowledged_at = now
            if previous:
                timeline.record(
                    session,
                    incident,
                    "role_handed_over",
                    now,
                    actor,
                    role=role.key,
                    user=user,
                    previous=previous,
                )
            else:
                timeline.record(session, incident, "role_assigned", now, actor, role=role.key, user=user)
            if acknowledged:
                timeline.record(session, incident, "acknowledged", now, user)
    except IntegrityError:
        with sessions() as session:
            winner = _current(session, incident_id, role.key)
        raise Refusal(f"<@{winner.user_id if winner else '?'}> took {role.name} just before you.") from None
    outcome = Outcome.HANDED_OVER if previous else Outcome.ASSIGNED
    return RoleChange(
        _load(sessions, incident_id), role, outcome, user, previous, actor, acknowledged, warning
    )


def release(
    sessions: sessionmaker[Session],
    policy: Policy,
    incident_id: int,
    role_key: str,
    actor: str,
    now: datetime,
    *,
    is_admin: bool = False,
) -> RoleChange:
    """The holder steps down (the commander and admins may stand someone down too)."""
    role = policy.role(role_key)
    with transaction(sessions) as session:
        incident = queries.lock(session, incident_id)
        current = _current(session, incident_id, role.key)
        if current is None:
            return RoleChange(incident, role, Outcome.UNCHANGED, None, None, actor)
        if not may_reassign(incident, role.key, actor, is_admin):
            who = who_may_reassign(incident, role)
            raise Refusal(f"<@{current.user_id}> holds {role.name}. Only {who} may release it.")
        if not _end(session, current, now):
            return RoleChange(incident, role, Outcome.UNCHANGED, None, None, actor)
        timeline.record(
            session, incident, "role_released", now, actor, role=role.key, previous=current.user_id
        )
        previous = current.user_id
    return RoleChange(_load(sessions, incident_id), role, Outcome.RELEASED, None, previous, actor)


def _end(session: Session, assignment: RoleAssignment, now: datetime) -> bool:
    """End an assignment unless a concurrent change already did (then nothing happens)."""
    result = session.execute(
        update(RoleAssignment)
        .where(RoleAssignment.id == assignment.id, RoleAssignment.released_at.is_(None))
        .values(released_at=now)
        .execution_options(synchronize_session=False)
    )
    ended = bool(cast(CursorResult[Any], result).rowcount)
    if not ended:
        raise Refusal("Someone changed this role at the same moment; look at the panel and try again.")
    session.expire(assignment)
    return ended


def _load(sessions: sessionmaker[Session], incident_id: int) -> Incident:
    with sessions() as session:
        return session.get_one(Incident, incident_id)
