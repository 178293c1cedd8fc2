"""What a change owes Slack, as data: which message, to which place, because of what.

The domain calls these inside the transaction of a change, so a change and everything it owes
are committed together. Nothing here knows Slack's API: a place is the incident's own channel,
the announcement channel, the leadership channel, a person, a channel named in the policy, or a
pager; a message is named by what it says. ``bot/slack/delivery.py`` renders each message when
it is sent, from what the database holds then, and sends it.

Every effect has a stable key, ``<incident>/<cause>/<what>``: the same change owed twice (a
retried request) is one effect, and the key travels with the message so it can be found again.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.config.policy import Policy
from bot.db.models import Incident, OutboxEffect, SlackMessage, TimelineEvent
from bot.outbox import store as outbox

INCIDENT = "incident"  # the incident's own channel
ANNOUNCEMENTS = "announcements"  # the policy's announcement channel
LEADERSHIP = "leadership"  # the policy's leadership channel
# How the bot remembers an announcement it posted in each place (to edit and pin it later).
PURPOSE = {INCIDENT: "announcement", ANNOUNCEMENTS: "broadcast", LEADERSHIP: "leadership"}


def person(user: str) -> str:
    return f"user:{user}"


def channel(name_or_id: str) -> str:
    return f"channel:{name_or_id}"


def pager(target: str) -> str:
    return f"pager:{target}"


def lane(policy: Policy, incident: Incident, place: str) -> str:
    """Effects in one lane go out one at a time, in the order they were owed."""
    if place == INCIDENT:
        return f"incident:{incident.id}"
    if place == ANNOUNCEMENTS:
        return channel(policy.announcement_channel)
    if place == LEADERSHIP:
        return channel(policy.leadership_channel or "")
    return place


def key(incident: Incident, *parts: str) -> str:
    return "/".join((incident.ref, *parts))


def _owe(
    session: Session,
    policy: Policy,
    incident: Incident,
    place: str,
    kind: str,
    effect_key: str,
    now: datetime,
    actor: str | None = None,
    aside: bool = False,
    **payload: Any,
) -> None:
    if incident.is_drill and (place == LEADERSHIP or kind == "page"):
        return  # a rehearsal never pages anyone and never tells leadership
    outbox.owe(
        session,
        key=effect_key,
        kind=kind,
        lane=lane(policy, incident, place) + ("/aside" if aside else ""),
        now=now,
        incident_id=incident.id,
        actor=actor,
        payload={"place": place, **payload},
    )


def post(
    session: Session,
    policy: Policy,
    incident: Incident,
    place: str,
    message: str,
    cause: str,
    now: datetime,
    *,
    actor: str | None = None,
    thread: str | None = None,
    aside: bool = False,
    **data: Any,
) -> None:
    """A message in ``place``; ``thread``: in the thread of the incident's announcement there;
    ``aside``: not in line behind what the place owes already (a report about a stuck effect)."""
    effect_key = key(incident, cause, f"{message}@{place}")
    _owe(
        session,
        policy,
        incident,
        place,
        "post",
        effect_key,
        now,
        actor,
        aside,
        message=message,
        thread=thread,
        data=data,
    )


def tell(
    session: Session,
    policy: Policy,
    incident: Incident,
    user: str,
    message: str,
    cause: str,
    now: datetime,
    *,
    actor: str | None = None,
    aside: bool = False,
    **data: Any,
) -> None:
    """A direct message to one person."""
    post(session, policy, incident, person(user), message, cause, now, actor=actor, aside=aside, **data)


def change(session: Session, policy: Policy, incident: Incident, event: TimelineEvent, now: datetime) -> None:
    """A change shown where people work: a line in the incident channel (written from its timeline
    event), and every announcement and the topic edited to the new state."""
    session.flush()  # the event's id names the line
    post(
        session,
        policy,
        incident,
        INCIDENT,
        "change",
        f"e{event.id}",
        now,
        actor=event.actor,
        event_id=event.id,
    )
    refresh(session, policy, incident, now)


def announcement_message(incident: Incident, place: str) -> str:
    """Outside its own channel a private incident shows only that it exists, and its severity."""
    return "private_notice" if incident.is_private and place != INCIDENT else "announcement"


def announce(session: Session, policy: Policy, incident: Incident, place: str, now: datetime) -> None:
    """The incident's announcement in ``place``, once (and pinned in the incident's channel)."""
    message = announcement_message(incident, place)
    _owe(
        session, policy, incident, place, "post", key(incident, "announce", place), now,
        message=message, record_as=PURPOSE[place], data={}, refreshed_by=key(incident, "edit", place),
    )  # fmt: skip
    if place == INCIDENT:
        _owe(
            session, policy, incident, place, "pin", key(incident, "pin", place), now, purpose=PURPOSE[place]
        )


def announced_places(session: Session, incident: Incident) -> list[str]:
    """Where the incident's announcement is: posted (its message recorded, also by a bot from
    before the outbox) or owed."""
    prefix = key(incident, "announce", "")
    outbox.write_owed(session)
    owed = select(OutboxEffect.key).where(
        OutboxEffect.incident_id == incident.id, OutboxEffect.key.startswith(prefix, autoescape=True)
    )
    recorded = select(SlackMessage.purpose).where(SlackMessage.incident_id == incident.id)
    places = {k.removeprefix(prefix) for k in session.scalars(owed)}
    purposes = set(session.scalars(recorded))
    places.update(place for place, purpose in PURPOSE.items() if purpose in purposes)
    return [place for place in PURPOSE if place in places]


def refresh(session: Session, policy: Policy, incident: Incident, now: datetime) -> None:
    """Show the incident as it is now: every announcement edited and the topic set. Edits render
    the latest state when sent, so several changes in a row make one edit of each."""
    for place in announced_places(session, incident):
        outbox.rearm(
            session,
            key=key(incident, "edit", place),
            kind="edit",
            lane=lane(policy, incident, place),
            now=now,
            incident_id=incident.id,
            payload={
                "place": place,
                "purpose": PURPOSE[place],
                "message": announcement_message(incident, place),
            },
        )
    set_topic(session, policy, incident, now)


def show_overview(session: Session, user: str, now: datetime) -> None:
    """The person's overview of every open incident (the bot's App Home in Slack), shown now, and
    kept up to date while incidents change (``refresh_overviews``). Its own lane: it never waits
    behind the person's direct messages, nor they behind it."""
    outbox.rearm(
        session, key=f"overview/{user}", kind="home", lane=f"home:{user}", now=now, payload={"user": user}
    )


def refresh_overviews(session: Session, now: datetime) -> None:
    """Incidents changed: everyone who has looked at the overview sees the new one. (The scheduler
    calls this once a tick at most, never a change's own transaction.)"""
    query = select(OutboxEffect.key).where(OutboxEffect.kind == "home").order_by(OutboxEffect.key)
    for viewer in session.scalars(query):
        show_overview(session, viewer.removeprefix("overview/"), now)


def set_topic(session: Session, policy: Policy, incident: Incident, now: datetime) -> None:
    """The channel topic, showing the incident as it is when it is set."""
    outbox.rearm(
        session,
        key=key(incident, "topic"),
        kind="topic",
        lane=lane(policy, incident, INCIDENT),
        now=now,
        incident_id=incident.id,
        payload={"place": INCIDENT},
    )


def create_channel(session: Session, policy: Policy, incident: Incident, now: datetime) -> None:
    _owe(session, policy, incident, INCIDENT, "create_channel", key(incident, "channel"), now)


def invite(
    session: Session,
    policy: Policy,
    incident: Incident,
    users: list[str],
    cause: str,
    now: datetime,
    actor: str | None = None,
) -> None:
    """Bring people into the incident's channel (one effect each: one refusal spoils no other)."""
    for user in dict.fromkeys(users):
        _owe(
            session,
            policy,
            incident,
            INCIDENT,
            "invite",
            key(incident, cause, f"invite:{user}"),
            now,
            actor,
            user=user,
        )


def reply(
    session: Session,
    policy: Policy,
    incident: Incident,
    message: str,
    cause: str,
    now: datetime,
    *,
    user: str,
    url: str | None,
) -> None:
    """Tell ``user`` privately (through the command's response URL while it lasts, else by DM),
    after what the incident's channel owes so far has been done."""
    _owe(
        session,
        policy,
        incident,
        INCIDENT,
        "reply",
        key(incident, cause, "reply"),
        now,
        user,
        message=message,
        url=url,
        user=user,
    )


def page(
    session: Session,
    policy: Policy,
    incident: Incident,
    target: str,
    action: str,
    reason: str,
    cause: str,
    now: datetime,
) -> None:
    """A ``trigger`` or ``resolve`` event for a pager target."""
    effect_key = key(incident, cause, f"page:{target}:{action}")
    _owe(
        session,
        policy,
        incident,
        pager(target),
        "page",
        effect_key,
        now,
        target=target,
        action=action,
        reason=reason,
    )


def upload_postmortem(
    session: Session, policy: Policy, incident: Incident, cause: str, now: datetime, actor: str
) -> None:
    """The postmortem as a file in the incident's channel, bookmarked the first time."""
    file_key = key(incident, cause, "postmortem")
    _owe(session, policy, incident, INCIDENT, "file", file_key, now, actor, document="postmortem")
    _owe(
        session, policy, incident, INCIDENT, "bookmark", key(incident, "bookmark", "postmortem"), now, actor,
        title="Postmortem", file=file_key,
    )  # fmt: skip
