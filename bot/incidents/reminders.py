"""What a due reminder means now: the update reminder and the postmortem reminder.

Called by the scheduler inside the transaction that took the due row; the decision, its timeline
event and the message it owes commit together.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.config.policy import COMMANDER_ROLE, Policy
from bot.db.models import OPEN, Incident, Status
from bot.incidents import effects, escalation, timeline
from bot.incidents.updates import cadence


def remind_update(session: Session, policy: Policy, incident: Incident, now: datetime) -> datetime | None:
    """Remind the commander (everyone, with nobody in command) that an update is due; returns when
    to remind again if none comes: one cadence from now. A reminder missed while the bot was down
    is sent once, then the cadence counts from now."""
    every = cadence(policy, incident)
    if incident.status not in OPEN or every is None:
        return None
    effects.close_reminder(session, policy, incident, f"remind:{now.isoformat()}", now)
    event = timeline.record(
        session, incident, "reminder_sent", now, None, commander=incident.holder(COMMANDER_ROLE)
    )
    session.flush()
    promised = incident.next_update_at.isoformat() if incident.next_update_at else None
    effects.remind(session, policy, incident, event.id, now, promised=promised)
    escalation.after_reminder(session, policy, incident, now)
    return now + every


def remind_postmortem(session: Session, policy: Policy, incident: Incident, now: datetime) -> None:
    """Ask for the postmortem review, once, while the incident is resolved and not yet closed."""
    if incident.status != Status.RESOLVED.value or incident.resolved_at is None:
        return
    due = (incident.resolved_at + policy.postmortem_due_within).isoformat()
    cause = f"postmortem:{incident.resolved_at.isoformat()}"
    effects.post(session, policy, incident, effects.INCIDENT, "postmortem_reminder", cause, now, due=due)
