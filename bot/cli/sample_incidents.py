"""The sample incidents ``incident-bot config check`` renders the templates with.

A throwaway in-memory database holds a few incidents of the policy: an open one with every text
as long as the bot accepts, a resolved one with every role taken, a private one with nothing
filled in, and enough open ones to fill the lists. What people type is sample text with quotes,
a backslash, a line break, ``&`` and ``<!channel>``: a template that forgets ``| j`` or
``| mrkdwn`` shows it at the check, not during an incident.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from bot.config.fields import IncidentField
from bot.config.policy import COMMANDER_ROLE, Policy
from bot.db.models import ActionItem, Base, Incident, RoleAssignment, Status, StatusUpdate, TimelineEvent
from bot.incidents import declare, followups, resolution, updates

NOW = datetime(2026, 11, 23, 14, 30, tzinfo=UTC)
MENTION = "<!channel>"  # typed by someone; must never reach Slack as a live mention
TYPED = f'The "pay" button \\ fails\nfor {MENTION} & <@U0SOMEONE>'
COMMANDER, LEAD, DECLARER, OWNER = "U0COMMANDER", "U0TECHLEAD", "U0DECLARER", "U0OWNER"
OPEN_ID, RESOLVED_ID, PRIVATE_ID = 1, 2, 3
MORE_OPEN = 42  # more open incidents than the Home tab lists
MANY = 60  # incidents in /incident list, action items in /incident actions
TIMELINE_SHOWN = 45  # what /incident timeline shows at most


def typed(length: int) -> str:
    """Sample user text of exactly ``length`` characters (the longest the bot accepts)."""
    return (TYPED + " ") * (length // (len(TYPED) + 1)) + TYPED[: length % (len(TYPED) + 1)]


@contextmanager
def sample_session(policy: Policy, fill: bool = True) -> Iterator[Session]:
    """An in-memory database with the sample incidents of ``policy`` (or none); gone after the block."""
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    try:
        with Session(engine, expire_on_commit=False) as session:
            if fill:
                _fill(session, policy)
                session.commit()
            yield session
    finally:
        engine.dispose()


def _field_value(field: IncidentField, text: str) -> Any:
    if field.type == "select":
        return field.options[0]
    if field.type == "multi_select":
        return list(field.options[:3])
    if field.type == "user":
        return OWNER
    return text


def _incident(
    policy: Policy, id: int, minutes_ago: int, severity: str, text: Callable[[int], str]
) -> Incident:
    return Incident(
        id=id,
        year=NOW.year,
        number=id,
        title=text(declare.TITLE_MAX),
        severity=severity,
        status=Status.INVESTIGATING.value,
        impact=text(declare.IMPACT_MAX),
        description=text(declare.DESCRIPTION_MAX),
        service=text(declare.SERVICE_MAX),
        declared_by=DECLARER,
        declared_at=NOW - timedelta(minutes=minutes_ago),
        channel_id=f"C0INC{id:04d}",
        channel_name=f"{policy.channel_prefix}-{NOW.year}-{id:04d}-sample",
        fields={f.key: _field_value(f, text(200)) for f in policy.fields},
    )


def _event(
    incident: Incident, minutes_ago: int, kind: str, actor: str | None, **details: Any
) -> TimelineEvent:
    return TimelineEvent(
        incident_id=incident.id,
        at=NOW - timedelta(minutes=minutes_ago),
        actor=actor,
        kind=kind,
        details=details,
    )


def _fill(session: Session, policy: Policy) -> None:
    first, last = policy.severities[0], policy.severities[-1]
    cadence = first.update_cadence or timedelta(minutes=30)
    open_one = _incident(policy, OPEN_ID, 75, first.key, typed)
    open_one.acknowledged_at, open_one.next_update_at = open_one.declared_at, NOW + cadence
    resolved = _incident(policy, RESOLVED_ID, 240, last.key, typed)
    resolved.status, resolved.resolved_at = Status.RESOLVED.value, NOW - timedelta(minutes=30)
    resolved.acknowledged_at = resolved.declared_at + timedelta(minutes=4)
    resolved.summary = typed(resolution.SUMMARY_MAX)
    resolved.root_cause = typed(resolution.ROOT_CAUSE_MAX)
    resolved.fix = typed(resolution.FIX_MAX)
    private = _incident(policy, PRIVATE_ID, 20, last.key, lambda n: "")
    private.title, private.is_private, private.fields = "Credentials leaked", True, {}
    session.add_all([open_one, resolved, private])
    keys = policy.severity_keys
    session.add_all(
        _incident(policy, 100 + n, 5 + n, keys[n % len(keys)], lambda n: "Slow") for n in range(MORE_OPEN)
    )
    _roles(session, open_one, [COMMANDER_ROLE])
    _roles(session, resolved, [r.key for r in policy.roles])
    for incident, ago in ((open_one, 75), (resolved, 240)):
        session.add_all(_story(policy, incident, ago, first.key))
        session.add(
            StatusUpdate(
                incident_id=incident.id,
                at=NOW - timedelta(minutes=ago - 11),
                author=COMMANDER,
                status=Status.IDENTIFIED.value,
                impact=typed(1500),
                text=typed(updates.UPDATE_MAX),
                expected_resolution=typed(updates.EXPECTED_MAX),
                next_update_at=NOW + cadence,
            )
        )
    changed = {"previous": last.key, "severity": first.key, "reason": TYPED}
    session.add_all(
        [
            _event(open_one, 20, "severity_changed", COMMANDER, **changed),
            _event(resolved, 40, "status_changed", COMMANDER, previous="Identified", status="Monitoring"),
            _event(resolved, 30, "resolved", COMMANDER, summary=resolved.summary),
            _event(private, 20, "declared", DECLARER, severity=last.key, private=True),
        ]
    )
    session.add_all(_action_item(open_one if n >= 3 else resolved, n) for n in range(MANY))


def _roles(session: Session, incident: Incident, roles: list[str]) -> None:
    for n, role in enumerate(roles):
        user = COMMANDER if role == COMMANDER_ROLE else (LEAD if n == 1 else f"U0ROLE{n:04d}")
        session.add(
            RoleAssignment(
                incident_id=incident.id,
                role=role,
                user_id=user,
                assigned_by=DECLARER,
                assigned_at=incident.declared_at,
            )
        )


def _story(policy: Policy, incident: Incident, ago: int, declared_as: str) -> list[TimelineEvent]:
    """An incident's timeline, ``ago`` minutes long: one event of most kinds the bot records."""
    targets = list(policy.escalation.targets)[:2] or ["primary-oncall"]
    field = {"key": policy.fields[0].key, "value": "x"} if policy.fields else {"key": "platform", "value": ""}
    escalated = {"targets": targets, "reason": "Nobody took command", "tier": f"{declared_as}:0"}
    return [
        _event(incident, ago, "declared", DECLARER, severity=declared_as, title=incident.title),
        _event(incident, ago, "role_assigned", DECLARER, role=COMMANDER_ROLE, user=COMMANDER),
        _event(incident, ago, "acknowledged", COMMANDER),
        _event(incident, ago - 1, "channel_created", None, name=incident.channel_name),
        _event(incident, ago - 2, "field_set", COMMANDER, **field),
        _event(incident, ago - 5, "escalated", None, **escalated),
        _event(incident, ago - 5, "paged", None, target=targets[0], action="trigger"),
        _event(incident, ago - 8, "note", COMMANDER, text=typed(3000)),
        _event(incident, ago - 9, "message", LEAD, text=typed(3000)),
        _event(
            incident, ago - 10, "status_changed", COMMANDER, previous="Investigating", status="Identified"
        ),
        _event(incident, ago - 11, "update_posted", COMMANDER, status="Identified"),
        _event(incident, ago - 12, "reminder_sent", None),
        _event(incident, ago - 13, "action_added", COMMANDER, text=typed(followups.TEXT_MAX)),
    ]


def _action_item(incident: Incident, n: int) -> ActionItem:
    """Every third done; the third has neither owner nor due date."""
    return ActionItem(
        incident_id=incident.id,
        text=typed(followups.TEXT_MAX),
        owner=None if n == 2 else OWNER,
        due=None if n == 2 else date(2026, 11, 20 + n % 10),
        created_by=COMMANDER,
        created_at=NOW - timedelta(minutes=10),
        done_at=NOW if n % 3 == 0 else None,
        done_by=OWNER if n % 3 == 0 else None,
    )
