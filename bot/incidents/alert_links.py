"""Alerts linked to an incident: linking one, what its later events mean for the incident, and what
the incident owes the alerting side (PagerDuty told when it is acknowledged and resolved)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.config.policy import Policy
from bot.db.models import OPEN, Alert, Incident
from bot.incidents import effects, timeline
from bot.incidents.owed import AlertShown, PagerDutyIncidentChange
from bot.outbox import store as outbox


def alerts_place(policy: Policy) -> str:
    return effects.channel(policy.alerts.channel)


def show(session: Session, policy: Policy, alert: Alert, now: datetime) -> None:
    """The alert's message in the alerts channel shows it as it is now (posted once, then edited:
    repeats collapse into one edit of the newest state)."""
    session.flush()
    outbox.rearm(
        session,
        key=f"alert/{alert.id}",
        kind=AlertShown.KIND,
        lane=alerts_place(policy),
        now=now,
        payload=AlertShown(alert_id=alert.id).model_dump(),
    )


def link(
    session: Session, policy: Policy, incident: Incident, alert: Alert, actor: str | None, now: datetime
) -> bool:
    """Link ``alert`` to ``incident`` (in its timeline; the alert's message says so). False when it was
    linked to it already."""
    if alert.incident_id == incident.id:
        return False
    alert.incident_id = incident.id
    alert.dismissed_by = None
    event = timeline.record(
        session, incident, "alert_linked", now, actor,
        alert=alert.id, source=alert.source, title=alert.title, url=alert.url, status=alert.status,
    )  # fmt: skip
    effects.change(session, policy, incident, event, now)
    show(session, policy, alert, now)
    return True


def linked(session: Session, incident_id: int) -> list[Alert]:
    return list(session.scalars(select(Alert).where(Alert.incident_id == incident_id).order_by(Alert.id)))


def heard(
    session: Session, policy: Policy, incident: Incident, alert: Alert, event: str, now: datetime
) -> None:
    """A linked alert changed (acknowledged, resolved, reopened, firing again): in the timeline and
    the incident's channel; when every alert linked to the open incident has resolved, the channel
    is told once, with a Resolve button for the commander (the bot never resolves by itself)."""
    recorded = timeline.record(
        session, incident, "alert_changed", now, None,
        alert=alert.id, source=alert.source, title=alert.title, event=event, status=alert.status,
    )  # fmt: skip
    effects.change(session, policy, incident, recorded, now)
    if incident.status in OPEN and all(a.status == "resolved" for a in linked(session, incident.id)):
        effects.post(session, policy, incident, effects.INCIDENT, "alerts_resolved", "alerts-resolved", now)


def tell_pagerduty(
    session: Session, incident: Incident, status: str, actor: str | None, now: datetime
) -> None:
    """The PagerDuty incidents the incident came from follow it: acknowledged when someone takes
    command, resolved when it is resolved (each once)."""
    for alert in linked(session, incident.id):
        if alert.source != "pagerduty" or alert.status == "resolved":
            continue
        change = PagerDutyIncidentChange(pagerduty_id=alert.key, status=status, actor=actor)
        effects.owe(
            session, incident, change, effects.key(incident, f"pagerduty:{alert.key}:{status}"),
            f"pagerduty-incident:{alert.key}", now, actor,
        )  # fmt: skip
