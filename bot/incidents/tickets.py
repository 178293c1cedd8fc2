"""Follow-ups as tickets in the policy's tracker: owed when a follow-up is added (and the incident's
own ticket at declaration), closed when it is marked done here, done here when it is done there."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.config.policy import Policy
from bot.db.engine import transaction
from bot.db.models import ActionItem, ExternalRef, Incident, OutboxEffect
from bot.incidents import effects, queries, timeline, work
from bot.incidents.owed import TicketClose, TicketCreate

INCIDENT_TICKET = "incident_ticket"


def purpose(item_id: int | None) -> str:
    return f"follow_up:{item_id}" if item_id is not None else INCIDENT_TICKET


def lane(incident: Incident, item_id: int | None) -> str:
    """A lane per follow-up (its ticket made, then closed) so that follow-ups' tickets are made side
    by side; the incident's own ticket has its own, and a follow-up waits for it (it links to it)."""
    return f"tracker:{incident.id}" + (f":{item_id}" if item_id is not None else "")


def incident_ticket_coming(session: Session, incident: Incident) -> bool:
    """The incident's own ticket is owed and not made yet."""
    query = select(OutboxEffect.id).where(
        OutboxEffect.incident_id == incident.id,
        OutboxEffect.key == effects.key(incident, "ticket", "incident"),
        OutboxEffect.state == "pending",
    )
    return session.scalars(query).first() is not None


def owe_ticket(
    session: Session, policy: Policy, incident: Incident, item_id: int | None, now: datetime
) -> None:
    if policy.tracker is None or incident.is_drill:
        return
    effect_key = effects.key(incident, "ticket", str(item_id) if item_id is not None else "incident")
    effects.owe(session, incident, TicketCreate(item_id=item_id), effect_key, lane(incident, item_id), now)


def owe_close(session: Session, policy: Policy, incident: Incident, item_id: int, now: datetime) -> None:
    if policy.tracker is None or incident.is_drill:
        return
    effect_key = effects.key(incident, "ticket-close", str(item_id))
    effects.owe(session, incident, TicketClose(item_id=item_id), effect_key, lane(incident, item_id), now)


def links(session: Session, incident_id: int) -> dict[int, ExternalRef]:
    """The tickets of an incident's follow-ups, by follow-up id."""
    query = select(ExternalRef).where(
        ExternalRef.incident_id == incident_id,
        ExternalRef.purpose.startswith("follow_up:"),
        ExternalRef.external_id.is_not(None),
    )
    return {int(ref.purpose.partition(":")[2]): ref for ref in session.scalars(query)}


def open_tickets(session: Session, system: str) -> list[tuple[ActionItem, ExternalRef]]:
    """Follow-ups still open here whose ticket the tracker has: what a sync reads."""
    query = (
        select(ActionItem, ExternalRef)
        .join(ExternalRef, ExternalRef.incident_id == ActionItem.incident_id)
        .where(
            ExternalRef.system == system,
            ExternalRef.external_id.is_not(None),
            ActionItem.done_at.is_(None),
        )
    )
    return [(item, ref) for item, ref in session.execute(query).all() if ref.purpose == purpose(item.id)]


def done_there(
    sessions: sessionmaker[Session], policy: Policy, item_id: int, system: str, now: datetime
) -> bool:
    """The ticket is done in the tracker: the follow-up is done here too (its reminders stop)."""
    with transaction(sessions) as session:
        item = session.get(ActionItem, item_id, with_for_update=True)
        if item is None or item.done_at is not None:
            return False
        item.done_at, item.done_by = now, None
        work.cancel(session, item.incident_id, work.FOLLOW_UP, key=str(item.id))
        incident = queries.lock(session, item.incident_id)
        event = timeline.record(
            session, incident, "action_done", now, None, item=item.id, text=item.text, via=system
        )
        effects.change(session, policy, incident, event, now)
    return True


def gone_there(
    sessions: sessionmaker[Session], policy: Policy, item_id: int, system: str, now: datetime
) -> None:
    """The ticket was deleted or moved out of reach: said once in the incident channel; the link is
    forgotten, so it is not looked for again."""
    with transaction(sessions) as session:
        item = session.get(ActionItem, item_id)
        if item is None:
            return
        incident = queries.lock(session, item.incident_id)
        ref = session.scalars(
            select(ExternalRef).where(
                ExternalRef.incident_id == incident.id,
                ExternalRef.purpose == purpose(item.id),
                ExternalRef.system == system,
            )
        ).first()
        if ref is not None:
            gone = ref.external_id
            ref.external_id, ref.url = None, None
            why = "deleted, or out of the bot's reach"
            line = f"The ticket {gone} of follow-up #{item.id} is gone from {system} ({why})."
            effects.post(
                session,
                policy,
                incident,
                effects.INCIDENT,
                "notice",
                f"ticket-gone:{item.id}",
                now,
                lines=[line],
            )
