"""What a change owes outside systems, as data: which message, to which place, because of what.

The domain calls these inside the transaction of a change, so a change and everything it owes
are committed together. Nothing here knows an outside system's API: each effect is a typed payload
(``bot.incidents.owed``) that an adapter delivers. A message is named by what it says and rendered
when it is sent, from what the database holds then.

Every effect has a stable key, ``<incident>/<cause>/<what>``: the same change owed twice (a
retried request) is one effect, and the key travels with what is made outside so it can be found
again.
"""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from bot.config.policy import COMMANDER_ROLE, Policy
from bot.db.models import Incident, OutboxEffect, TimelineEvent
from bot.incidents import external
from bot.incidents.owed import (
    ANNOUNCEMENTS,
    INCIDENT,
    LEADERSHIP,
    Bookmark,
    CreateChannel,
    Edit,
    File,
    Home,
    Invite,
    PageAction,
    PagerDutyEvent,
    Pin,
    Post,
    Reply,
    Topic,
    WebhookPage,
)
from bot.outbox import store as outbox
from bot.outbox.adapters import Effect

__all__ = ["ANNOUNCEMENTS", "INCIDENT", "LEADERSHIP"]

# How the bot remembers an announcement it posted in each place (to edit and pin it later).
PURPOSE = {INCIDENT: "announcement", ANNOUNCEMENTS: "broadcast", LEADERSHIP: "leadership"}
# The outside system announcements are made in (its adapter records what it made under this name).
CHAT = "slack"


def person(user: str) -> str:
    return f"user:{user}"


def channel(name_or_id: str) -> str:
    return f"channel:{name_or_id}"


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


def announcement_key(incident: Incident, place: str) -> str:
    """The key of the effect that posts the incident's announcement in ``place``."""
    return key(incident, "announce", place)


def owe(
    session: Session,
    incident: Incident,
    effect: Effect,
    effect_key: str,
    lane_name: str,
    now: datetime,
    actor: str | None = None,
) -> None:
    """Owe ``effect`` once (the same key again adds nothing)."""
    outbox.owe(
        session,
        key=effect_key,
        kind=effect.KIND,
        lane=lane_name,
        now=now,
        incident_id=incident.id,
        actor=actor,
        payload=effect.model_dump(),
    )


def _owe_at(
    session: Session,
    policy: Policy,
    incident: Incident,
    place: str,
    effect: Effect,
    effect_key: str,
    now: datetime,
    actor: str | None = None,
    aside: bool = False,
) -> None:
    if incident.is_drill and place == LEADERSHIP:
        return  # a rehearsal never tells leadership
    lane_name = lane(policy, incident, place) + ("/aside" if aside else "")
    owe(session, incident, effect, effect_key, lane_name, now, actor)


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
    effect = Post(place=place, message=message, thread=thread, data=data)
    _owe_at(
        session,
        policy,
        incident,
        place,
        effect,
        key(incident, cause, f"{message}@{place}"),
        now,
        actor,
        aside,
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
    if incident.is_drill and place == LEADERSHIP:
        return
    effect = Post(
        place=place,
        message=announcement_message(incident, place),
        record_as=PURPOSE[place],
        refreshed_by=key(incident, "edit", place),
    )
    _owe_at(session, policy, incident, place, effect, announcement_key(incident, place), now)
    external.expect(session, incident.id, CHAT, PURPOSE[place])
    if place == INCIDENT:
        pin = Pin(place=place, purpose=PURPOSE[place])
        _owe_at(session, policy, incident, place, pin, key(incident, "pin", place), now)


# How the bot remembers each update reminder in the incident channel (to close it later).
REMINDER = "update_reminder"
# A reminder is open while none of these came after it (the reminder's own event is the first).
REMINDER_ANSWERS = ("reminder_sent", "update_posted", "resolved")


def remind(
    session: Session, policy: Policy, incident: Incident, event_id: int, now: datetime, **data: Any
) -> None:
    """The update reminder in the incident channel, remembered (as its own message: an edit meant
    for it never lands on a later one) so that it can be closed, its buttons gone, when an update,
    the next reminder or the resolution comes: reminders never pile up live. The caller closes the
    one before first (:func:`close_reminder`)."""
    purpose = f"{REMINDER}:{event_id}"
    effect = Post(place=INCIDENT, message="update_reminder", data=data, record_as=purpose)
    _owe_at(
        session, policy, incident, INCIDENT, effect, key(incident, f"e{event_id}", "update_reminder"), now
    )
    external.expect(session, incident.id, CHAT, purpose)


def close_reminder(session: Session, policy: Policy, incident: Incident, cause: str, now: datetime) -> None:
    """The open update reminder, if any, edited to say it is answered or superseded (no buttons).
    Called before the change that closes it records its own event."""
    latest = session.execute(_last_answer(), {"incident": incident.id}).first()
    if latest is None or latest.kind != "reminder_sent":
        return  # none sent, or answered already
    effect = Edit(place=INCIDENT, purpose=f"{REMINDER}:{latest.id}", message="update_reminder_closed")
    _owe_at(session, policy, incident, INCIDENT, effect, key(incident, cause, "reminder-closed"), now)


@functools.cache
def _last_answer() -> Any:
    """Built once: every reminder asks."""
    return (
        select(TimelineEvent.id, TimelineEvent.kind)
        .where(TimelineEvent.incident_id == bindparam("incident"), TimelineEvent.kind.in_(REMINDER_ANSWERS))
        .order_by(TimelineEvent.at.desc(), TimelineEvent.id.desc())
        .limit(1)
    )


def announced_places(session: Session, incident: Incident) -> list[str]:
    """Where the incident's announcement is (posted, or owed): its external references."""
    purposes = external.purposes(session, incident.id, CHAT)
    return [place for place, purpose in PURPOSE.items() if purpose in purposes]


def refresh(session: Session, policy: Policy, incident: Incident, now: datetime) -> None:
    """Show the incident as it is now: every announcement edited and the topic set. Edits render
    the latest state when sent, so several changes in a row make one edit of each."""
    for place in announced_places(session, incident):
        _rearm(
            session,
            policy,
            incident,
            place,
            Edit(place=place, purpose=PURPOSE[place], message=announcement_message(incident, place)),
            key(incident, "edit", place),
            now,
        )
    set_topic(session, policy, incident, now)


def _rearm(
    session: Session,
    policy: Policy,
    incident: Incident,
    place: str,
    effect: Effect,
    effect_key: str,
    now: datetime,
) -> None:
    outbox.rearm(
        session,
        key=effect_key,
        kind=effect.KIND,
        lane=lane(policy, incident, place),
        now=now,
        incident_id=incident.id,
        payload=effect.model_dump(),
    )


def show_overview(session: Session, user: str, now: datetime) -> None:
    """The person's overview of every open incident (the bot's App Home in Slack), shown now, and
    kept up to date while incidents change (``refresh_overviews``). Its own lane: it never waits
    behind the person's direct messages, nor they behind it."""
    outbox.rearm(
        session,
        key=f"overview/{user}",
        kind=Home.KIND,
        lane=f"home:{user}",
        now=now,
        payload=Home(user=user).model_dump(),
    )


def refresh_overviews(session: Session, now: datetime) -> None:
    """Incidents changed: everyone who has looked at the overview sees the new one. (The scheduler
    calls this once a tick at most, never a change's own transaction.)"""
    query = select(OutboxEffect.key).where(OutboxEffect.kind == Home.KIND).order_by(OutboxEffect.key)
    for viewer in session.scalars(query):
        show_overview(session, viewer.removeprefix("overview/"), now)


def set_topic(
    session: Session, policy: Policy, incident: Incident, now: datetime, fresh: bool = False
) -> None:
    """The channel topic, showing the incident as it is when it is set. A ``fresh`` incident (being
    declared) has no topic owed yet: owed as any first effect is, in one statement with the rest."""
    if fresh:
        _owe_at(session, policy, incident, INCIDENT, Topic(), key(incident, "topic"), now)
    else:
        _rearm(session, policy, incident, INCIDENT, Topic(), key(incident, "topic"), now)


def create_channel(session: Session, policy: Policy, incident: Incident, now: datetime) -> None:
    _owe_at(session, policy, incident, INCIDENT, CreateChannel(), key(incident, "channel"), now)


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
        effect_key = key(incident, cause, f"invite:{user}")
        _owe_at(session, policy, incident, INCIDENT, Invite(user=user), effect_key, now, actor)


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
    effect = Reply(message=message, url=url, user=user)
    _owe_at(session, policy, incident, INCIDENT, effect, key(incident, cause, "reply"), now, user)


def page(
    session: Session,
    policy: Policy,
    incident: Incident,
    target: str,
    action: PageAction,
    reason: str,
    cause: str,
    now: datetime,
) -> None:
    """A ``trigger`` or ``resolve`` event for each pager of a target: one effect per destination,
    each in its own lane, so one that fails never holds back or repeats the other."""
    if incident.is_drill:
        return  # a rehearsal never pages anyone
    pagers = policy.escalation.targets.get(target)
    if pagers is None:
        return
    base = key(incident, cause, f"page:{target}:{action}")
    if pagers.pagerduty_routing_key:
        event = PagerDutyEvent(target=target, action=action, reason=reason)
        owe(session, incident, event, f"{base}:pagerduty", f"pagerduty:{target}", now)
    if pagers.webhook_url:
        hook = WebhookPage(target=target, action=action, reason=reason)
        owe(session, incident, hook, f"{base}:webhook", f"webhook:{target}", now)


def upload_postmortem(
    session: Session, policy: Policy, incident: Incident, cause: str, now: datetime, actor: str
) -> None:
    """The postmortem as a file in the incident's channel, bookmarked the first time."""
    file_key = key(incident, cause, "postmortem")
    _owe_at(session, policy, incident, INCIDENT, File(document="postmortem"), file_key, now, actor)
    bookmark = Bookmark(title="Postmortem", file=file_key)
    _owe_at(
        session, policy, incident, INCIDENT, bookmark, key(incident, "bookmark", "postmortem"), now, actor
    )


def bookmark(
    session: Session, policy: Policy, incident: Incident, title: str, url: str, now: datetime
) -> None:
    """A link bookmarked in the incident channel (once per title)."""
    effect = Bookmark(title=title, url=url)
    _owe_at(session, policy, incident, INCIDENT, effect, key(incident, "bookmark", title.lower()), now)


def channel_coming(session: Session, incident: Incident, but: int | None = None) -> bool:
    """The incident's channel is being made (owed, and not refused or held back so far): what names
    it may wait a moment for it. Once Slack has refused its creation once, nothing waits for it.
    ``but``: an effect not to count (the creation being reported on)."""
    query = select(OutboxEffect.id).where(
        OutboxEffect.incident_id == incident.id,
        OutboxEffect.kind == CreateChannel.KIND,
        OutboxEffect.state == "pending",
        OutboxEffect.last_error.is_(None),
        OutboxEffect.id != (but if but is not None else -1),
    )
    return session.scalars(query).first() is not None


def report_undelivered(
    session: Session,
    policy: Policy,
    incident: Incident,
    *,
    effect_id: int,
    lane_name: str,
    what: str,
    system: str,
    error: str,
    still_trying: bool,
    place_gone: bool,
    actor: str | None,
    now: datetime,
) -> None:
    """Tell the incident channel and the person who acted that an effect did not land (once)."""
    cause = f"undelivered:{effect_id}:{'late' if still_trying else 'failed'}"
    data: dict[str, Any] = {
        "what": what, "system": system, "error": error, "still_trying": still_trying, "report": True,
    }  # fmt: skip
    channel_gone = lane_name == lane(policy, incident, INCIDENT) and place_gone
    if incident.channel_id and not channel_gone:
        post(session, policy, incident, INCIDENT, "undelivered", cause, now, aside=True, **data)
    elif incident.channel_id is None and channel_coming(session, incident, but=effect_id):
        # in line behind the channel's creation: said in the channel once it exists
        post(session, policy, incident, INCIDENT, "undelivered", cause, now, **data)
    elif incident.channel_id is None:  # no channel (its creation failed): said under the announcement
        post(
            session,
            policy,
            incident,
            ANNOUNCEMENTS,
            "undelivered",
            cause,
            now,
            thread=ANNOUNCEMENTS,
            aside=True,
            **data,
        )
    whom = actor or incident.holder(COMMANDER_ROLE) or incident.declared_by
    if lane_name != person(whom):
        tell(session, policy, incident, whom, "undelivered", cause, now, aside=True, **data)
