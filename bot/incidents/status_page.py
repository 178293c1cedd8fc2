"""Publishing an incident on the public status page: only when a person asks, only the commander or
the person who writes the status page (or an admin), never for a private incident or a drill.

Each publication is a timeline event (its name, status, text and component impacts, and who
published it) that owes one effect; the status page's adapter makes the page's incident the first
time and updates it after, and then the incident channel hears of it, with the public link.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.config.policy import COMMANDER_ROLE, Policy
from bot.db.engine import transaction
from bot.db.models import Incident, TimelineEvent
from bot.errors import InputError, Refusal
from bot.incidents import effects, queries, timeline
from bot.incidents.owed import StatusPagePublish
from bot.text import clean_block, clean_line

PUBLISHED = "status_published"
STATUSES = {"investigating": "Investigating", "identified": "Identified", "monitoring": "Monitoring",
            "resolved": "Resolved"}  # fmt: skip
IMPACTS = {
    "operational": "Operational",
    "degraded_performance": "Degraded performance",
    "partial_outage": "Partial outage",
    "major_outage": "Major outage",
}
NAME_MAX = 200
BODY_MAX = 3000  # a Slack text input holds at most 3000 characters
SYSTEM = "statuspage"
PURPOSE = "status_incident"


@dataclass(frozen=True)
class Publication:
    name: str
    status: str
    body: str
    components: dict[str, str]  # component id → impact

    @classmethod
    def of(cls, event: TimelineEvent) -> Publication:
        d = event.details
        return cls(str(d["name"]), str(d["status"]), str(d["body"]), dict(d.get("components") or {}))


def writers(policy: Policy, incident: Incident) -> tuple[str, ...]:
    """Who may publish: the commander and whoever holds the role that writes the status page."""
    roles = [COMMANDER_ROLE] + ([policy.status_page_role] if policy.status_page_role else [])
    held = (incident.holder(role) for role in roles)
    return tuple(dict.fromkeys(person for person in held if person))


def may_publish(incident: Incident) -> bool:
    """Whether the incident is one the status page may show at all."""
    return not incident.is_private and not incident.is_drill


def check(policy: Policy, incident: Incident, actor: str, is_admin: bool) -> None:
    """Refuse unless ``actor`` may publish this incident."""
    if not may_publish(incident):
        what = "a private incident" if incident.is_private else "a drill"
        raise Refusal("never_public", incident.ref, action=f"{incident.ref} is {what}")
    who = writers(policy, incident)
    if not is_admin and actor not in who:
        raise Refusal("not_writer", incident.ref, who_may=who, action="publish")


def validate(name: str, status: str, body: str, components: dict[str, str]) -> Publication:
    name, body = clean_line(name), clean_block(body)
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = "The public title is required."
    elif len(name) > NAME_MAX:
        errors["name"] = f"The title is {len(name)} characters; at most {NAME_MAX} are allowed."
    if status not in STATUSES:
        errors["status"] = f"{status or 'Nothing'} is not a status; choose one of {', '.join(STATUSES)}."
    if not body:
        errors["body"] = "Say what the public should know: the message is required."
    elif len(body) > BODY_MAX:
        errors["body"] = f"The message is {len(body)} characters; at most {BODY_MAX} are allowed."
    wrong = sorted(c for c, impact in components.items() if impact not in IMPACTS)
    if wrong:
        errors[f"component:{wrong[0]}"] = f"Choose one of {', '.join(IMPACTS)}."
    if errors:
        raise InputError(errors)
    if status == "resolved":
        components = dict.fromkeys(components, "operational")  # back to operational when resolved
    return Publication(name, status, body, components)


def publish(
    sessions: sessionmaker[Session],
    policy: Policy,
    incident_id: int,
    actor: str,
    now: datetime,
    publication: Publication,
    *,
    is_admin: bool = False,
    source_key: str | None = None,
) -> TimelineEvent | None:
    """Record the publication and owe it to the status page; None when ``source_key`` (a form
    submitted twice) was published already."""
    try:
        with transaction(sessions) as session:
            incident = queries.lock(session, incident_id)
            check(policy, incident, actor, is_admin)
            event = timeline.record(
                session, incident, PUBLISHED, now, actor, name=publication.name,
                status=publication.status, body=publication.body, components=publication.components,
            )  # fmt: skip
            event.source_key = source_key
            session.flush()
            effects.owe(
                session, incident, StatusPagePublish(event_id=event.id),
                effects.key(incident, "statuspage", str(event.id)), f"statuspage:{incident.id}", now, actor,
            )  # fmt: skip
    except IntegrityError:
        if source_key and _recorded(sessions, source_key):
            return None
        raise
    return event


def made(session: Session, policy: Policy, event_id: int, url: str | None, now: datetime) -> None:
    """The publication is on the page: its link kept with it, and a line in the incident channel."""
    event = session.get(TimelineEvent, event_id)
    if event is None or event.details.get("published"):
        return
    event.details = {**event.details, "published": True, "url": url}
    incident = queries.lock(session, event.incident_id)
    effects.post(
        session, policy, incident, effects.INCIDENT, "change", f"e{event.id}", now,
        actor=event.actor, event_id=event.id,
    )  # fmt: skip


def _recorded(sessions: sessionmaker[Session], source_key: str) -> bool:
    with sessions() as session:
        found = session.scalars(select(TimelineEvent.id).where(TimelineEvent.source_key == source_key))
        return found.first() is not None


def publications(session: Session, incident_id: int) -> list[TimelineEvent]:
    query = (
        select(TimelineEvent)
        .where(TimelineEvent.incident_id == incident_id, TimelineEvent.kind == PUBLISHED)
        .order_by(TimelineEvent.at, TimelineEvent.id)
    )
    return list(session.scalars(query))


def last(session: Session, incident_id: int) -> Publication | None:
    found = publications(session, incident_id)
    return Publication.of(found[-1]) if found else None
