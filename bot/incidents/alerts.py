"""Alerts in: what an alert from PagerDuty, Alertmanager or a generic sender does, by the policy.

Every webhook delivery is taken once (its delivery key). A new alert is posted in the alerts
channel (Declare / Link / Dismiss), declared at once, or kept and shown nowhere, by the first rule
that matches; the same alert firing again edits its message. An alert linked to an incident tells
the incident what happens to it. Everything is decided and committed here, in one transaction per
webhook, before the sender hears 202.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Literal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.config.alerts import AlertRule, matches
from bot.config.policy import Policy, Severity
from bot.db.engine import transaction
from bot.db.models import OPEN, Alert, AlertDelivery, Incident
from bot.errors import InputError, NotFound
from bot.incidents import alert_links, declare, queries
from bot.text import clean_block, clean_line

Status = Literal["firing", "acknowledged", "resolved"]
# An alert's severity or urgency, most severe first, given to the policy's severities by rank.
RANKS = (
    ("critical", "high", "p1", "sev1", "disaster", "page"),
    ("error", "major", "p2", "sev2"),
    ("warning", "minor", "medium", "p3", "sev3"),
    ("info", "low", "p4", "sev4", "none"),
)
TITLE_MAX, DETAILS_MAX, LABELS_MAX = 300, 3000, 40


@dataclass(frozen=True)
class Signal:
    """One alert event from a sender, in the bot's words."""

    source: Literal["pagerduty", "alertmanager", "generic"]
    key: str  # the alert's identity at its source (PagerDuty incident id, fingerprint, dedup_key)
    delivery: str  # this delivery's identity: the same again is taken once
    status: Status
    event: str  # triggered, acknowledged, resolved, reopened, firing, priority_updated, …
    title: str
    severity: str = ""
    urgency: str = ""
    service: str = ""
    url: str = ""
    labels: dict[str, str] = field(default_factory=dict)
    details: str = ""


@dataclass
class Received:
    taken: int = 0
    repeated: int = 0
    declared: list[str] = field(default_factory=list)


def clean(signal: Signal) -> Signal:
    """User text from outside, cleaned like anything a person types (control and invisible marks
    dropped, one line where one line belongs) and cut to size."""
    labels = {clean_line(k)[:60]: clean_line(v)[:200] for k, v in list(signal.labels.items())[:LABELS_MAX]}
    return replace(
        signal,
        title=clean_line(signal.title)[:TITLE_MAX] or "(an alert with no title)",
        severity=clean_line(signal.severity)[:40],
        urgency=clean_line(signal.urgency)[:20],
        service=clean_line(signal.service)[:200],
        url=signal.url if re.match(r"^https?://[^\s<>|]+$", signal.url) else "",  # no mrkdwn breakers
        labels={k: v for k, v in labels.items() if k},
        details=clean_block(signal.details)[:DETAILS_MAX],
    )


def receive(
    sessions: sessionmaker[Session], policy: Policy, signals: list[Signal], now: datetime
) -> Received:
    """Take a webhook's signals in one transaction (each delivery once)."""
    received = Received()
    with transaction(sessions) as session:
        for signal in signals:
            if not _first(session, signal.delivery, now):
                received.repeated += 1
                continue
            received.taken += 1
            declared = _take(session, policy, clean(signal), now)
            if declared is not None:
                received.declared.append(declared)
    return received


def _first(session: Session, delivery: str, now: datetime) -> bool:
    try:
        with session.begin_nested():
            session.add(AlertDelivery(key=delivery[:300], received_at=now))
    except IntegrityError:
        return False
    return True


def _take(session: Session, policy: Policy, signal: Signal, now: datetime) -> str | None:
    query = select(Alert).where(Alert.source == signal.source, Alert.key == signal.key).with_for_update()
    alert = session.scalars(query).first()
    if alert is None:
        return _new(session, policy, signal, now)
    again = (signal.status == "firing" and alert.status == "resolved") or signal.event == "firing"
    alert.status, alert.last_seen = signal.status, now
    alert.title, alert.url = signal.title or alert.title, signal.url or alert.url
    alert.severity, alert.urgency = signal.severity or alert.severity, signal.urgency or alert.urgency
    alert.labels = {**(alert.labels or {}), **signal.labels}
    if again:
        alert.fired += 1
    if alert.incident_id is not None:
        incident = queries.lock(session, alert.incident_id)
        alert_links.heard(session, policy, incident, alert, signal.event, now)
    if alert.incident_id is not None or _rule(policy, signal).action != "ignore":
        alert_links.show(session, policy, alert, now)
    return None


def _new(session: Session, policy: Policy, signal: Signal, now: datetime) -> str | None:
    alert = Alert(
        source=signal.source, key=signal.key, title=signal.title, status=signal.status,
        severity=signal.severity, urgency=signal.urgency, service=signal.service, url=signal.url,
        labels=signal.labels, details=signal.details, first_seen=now, last_seen=now, fired=1,
    )  # fmt: skip
    session.add(alert)
    session.flush()
    rule = _rule(policy, signal)
    if rule.action == "ignore" or signal.status == "resolved":
        return None
    if rule.action == "declare":
        severity = policy.find_severity(rule.severity) if rule.severity else mapped_severity(policy, signal)
        incident = declare.create(session, policy, declaration(policy, alert, severity, "alerts"), now)
        return incident.ref
    alert_links.show(session, policy, alert, now)
    return None


def _rule(policy: Policy, signal: Signal) -> AlertRule:
    for rule in policy.alerts.rules:
        match = rule.match
        if match.source and match.source != signal.source:
            continue
        checks = (
            (match.severity, signal.severity),
            (match.urgency, signal.urgency),
            (match.title, signal.title),
        )
        if any(pattern is not None and not matches(pattern, value) for pattern, value in checks):
            continue
        if any(not matches(pattern, signal.labels.get(name)) for name, pattern in match.labels.items()):
            continue
        return rule
    return AlertRule()


def mapped_severity(policy: Policy, alert: Alert | Signal) -> Severity:
    """The policy's severity for an alert's severity or urgency, by rank (critical: the first)."""
    said = {alert.severity.lower(), alert.urgency.lower()}
    rank = next((n for n, names in enumerate(RANKS) if said & set(names)), 1)
    severities = policy.severities
    return severities[min(rank, len(severities) - 1)]


def declaration(
    policy: Policy, alert: Alert, severity: Severity | None, declared_by: str
) -> declare.Declaration:
    """An incident declared from an alert: its title, a severity mapped from it, its description as
    the impact, the alert linked (``alert_ids``)."""
    chosen = severity or mapped_severity(policy, alert)
    return replace(
        declare.validate(
            policy,
            title=alert.title[: declare.TITLE_MAX],
            severity=chosen.key,
            declared_by=declared_by,
            impact=impact(alert),
            service=alert.service[: declare.SERVICE_MAX],
            source_key=f"alert:{alert.id}",
        ),
        alert_ids=(alert.id,),
    )


def impact(alert: Alert) -> str:
    """What an incident declared from an alert says of its impact until someone knows better: the
    alert's description, or where it came from."""
    source = {"pagerduty": "PagerDuty", "alertmanager": "Alertmanager"}.get(alert.source, "an alert sender")
    said = alert.details or f'Not known yet: {source} alerted "{alert.title}".'
    return said[: declare.IMPACT_MAX]


def find(session: Session, alert_id: int) -> Alert:
    alert = session.get(Alert, alert_id)
    if alert is None:
        raise NotFound("no such alert")
    return alert


def link(
    sessions: sessionmaker[Session],
    policy: Policy,
    alert_id: int,
    incident_id: int,
    actor: str,
    now: datetime,
) -> Incident:
    """Link an alert to an open incident (the caller checked the person may act on it)."""
    with transaction(sessions) as session:
        alert = find(session, alert_id)
        incident = queries.lock(session, incident_id)
        if incident.status not in OPEN:
            raise InputError(
                {"incident": f"{incident.ref} is {incident.status.lower()}; link alerts to an open incident."}
            )
        alert_links.link(session, policy, incident, alert, actor, now)
        return incident


def dismiss(
    sessions: sessionmaker[Session], policy: Policy, alert_id: int, actor: str, now: datetime
) -> bool:
    """Nobody needs to act on it: its message says who dismissed it. False when it was already."""
    with transaction(sessions) as session:
        alert = find(session, alert_id)
        if alert.dismissed_by or alert.incident_id is not None:
            return False
        alert.dismissed_by = actor
        alert_links.show(session, policy, alert, now)
        return True
