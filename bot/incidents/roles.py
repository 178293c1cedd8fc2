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

from bot.config.policy import COMMANDER_ROLE, Policy, Role
from bot.db.engine import transaction
from bot.db.models import OPEN, Incident, RoleAssignment, TimelineEvent
from bot.errors import Refusal
from bot.incidents import alert_links, effects, queries, timeline


class Outcome(StrEnum):
    ASSIGNED = "assigned"  # the role was empty and now has a holder
    HANDED_OVER = "handed_over"  # the role moved from one person to another
    RELEASED = "released"  # the holder stepped down (or was stood down)
    UNCHANGED = "unchanged"  # nothing to do: a double click, a repeat, already so


@dataclass(frozen=True)
class RoleChange:
    incident: Incident
    role: Role
    outcome: Outcome
    user: str | None  # the holder now
    previous: str | None  # the holder before
    actor: str
    acknowledged: bool = False  # this change gave the incident its first commander
    warning: str | None = None  # plain words, e.g. the Scribe also leads the response


def _current(session: Session, incident_id: int, role: str) -> RoleAssignment | None:
    query = select(RoleAssignment).where(
        RoleAssignment.incident_id == incident_id,
        RoleAssignment.role == role,
        RoleAssignment.released_at.is_(None),
    )
    return session.scalars(query).one_or_none()


def may_reassign(incident: Incident, role: str, actor: str, is_admin: bool) -> bool:
    return is_admin or actor in (incident.holder(COMMANDER_ROLE), incident.holder(role))


def _not_allowed(incident: Incident, role: Role, action: str) -> Refusal:
    people = (incident.holder(COMMANDER_ROLE), incident.holder(role.key))
    who = tuple(dict.fromkeys(p for p in people if p))
    return Refusal("not_allowed", role.name, holder=incident.holder(role.key), who_may=who, action=action)


def _apart_warning(policy: Policy, incident: Incident, role: Role, user: str) -> str | None:
    """The procedure wants some roles (the Scribe) held by someone not leading the response; and
    one person holding several roles is said, so that it is a choice."""
    leading = [r for r in policy.roles if r.leads]
    apart = [r for r in policy.roles if r.apart_from_leading]
    advice = "The procedure wants the {} to be someone not troubleshooting; {}."
    if role.apart_from_leading and any(incident.holder(r.key) == user for r in leading):
        return advice.format(role.name, "they also lead the response")
    clash = next((r for r in apart if incident.holder(r.key) == user), None)
    if role.leads and clash is not None:
        return advice.format(clash.name, f"they are also the {clash.name}")
    others = [r.name for r in policy.roles if r.key != role.key and incident.holder(r.key) == user]
    if others:  # allowed, but visible: one person holding two roles is a choice to see
        held = ", ".join(others[:-1]) + (" and " if len(others) > 1 else "") + others[-1]
        return f"They also hold {held}."
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
                    raise Refusal("held", role.name, holder=previous)
                if not may_reassign(incident, role.key, actor, is_admin):
                    raise _not_allowed(incident, role, "reassign")
                _end(session, current, now, role)
            warning = _apart_warning(policy, incident, role, user)
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
                event = timeline.record(
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
                event = timeline.record(
                    session, incident, "role_assigned", now, actor, role=role.key, user=user
                )
            if acknowledged:
                timeline.record(session, incident, "acknowledged", now, user)
                alert_links.tell_pagerduty(session, incident, "acknowledged", user, now)
            _owe_role_change(session, policy, incident, role, event, now, user, previous, warning)
    except IntegrityError:
        with sessions() as session:
            winner = _current(session, incident_id, role.key)
        raise Refusal("lost_race", role.name, holder=winner.user_id if winner else None) from None
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
            raise _not_allowed(incident, role, "release")
        _end(session, current, now, role)
        event = timeline.record(
            session, incident, "role_released", now, actor, role=role.key, previous=current.user_id
        )
        previous = current.user_id
        _owe_role_change(session, policy, incident, role, event, now, None, previous, None)
    return RoleChange(_load(sessions, incident_id), role, Outcome.RELEASED, None, previous, actor)


def _owe_role_change(
    session: Session,
    policy: Policy,
    incident: Incident,
    role: Role,
    event: TimelineEvent,
    now: datetime,
    user: str | None,
    previous: str | None,
    warning: str | None,
) -> None:
    """The new holder invited and told their responsibilities (and, for the role that writes the
    status page, a draft); a line in the channel; the announcements edited; a previous holder who
    did not step down themselves told."""
    session.flush()
    cause, actor = f"e{event.id}", event.actor
    if user:
        effects.invite(session, policy, incident, [user], cause, now, actor)
    effects.refresh(session, policy, incident, now)
    effects.post(
        session, policy, incident, effects.INCIDENT, "role_changed", cause, now,
        actor=actor, event_id=event.id, warning=warning,
    )  # fmt: skip
    if user:
        effects.tell(
            session,
            policy,
            incident,
            user,
            "role_dm",
            cause,
            now,
            actor=actor,
            event_id=event.id,
            warning=warning,
        )
        if role.writes_status_page and incident.status in OPEN:
            effects.tell(
                session,
                policy,
                incident,
                user,
                "statuspage_draft",
                cause,
                now,
                actor=actor,
                stage="Investigating",
            )
    if previous and previous != actor:
        effects.tell(
            session, policy, incident, previous, "role_lost_dm", cause, now, actor=actor, event_id=event.id
        )


def _end(session: Session, assignment: RoleAssignment, now: datetime, role: Role) -> bool:
    """End an assignment; a concurrent change that already did is refused."""
    result = session.execute(
        update(RoleAssignment)
        .where(RoleAssignment.id == assignment.id, RoleAssignment.released_at.is_(None))
        .values(released_at=now)
        .execution_options(synchronize_session=False)
    )
    ended = bool(cast(CursorResult[Any], result).rowcount)
    if not ended:
        raise Refusal("concurrent", role.name)
    session.expire(assignment)
    return ended


def _load(sessions: sessionmaker[Session], incident_id: int) -> Incident:
    with sessions() as session:
        return session.get_one(Incident, incident_id)
