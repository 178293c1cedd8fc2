"""Delivering one owed effect: the Web API calls it takes, and what Slack's answer means.

``deliver`` never sleeps and never retries by itself: it returns an outcome and the worker
records it (``Done``; ``Again`` at a time, after a 429's Retry-After or a back-off; ``Failed``
for good). A post whose earlier attempt has no recorded outcome is first looked for in the
channel by the key in its metadata, so a crash between Slack's answer and our record never
makes a second message.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, timedelta
from typing import Any

import jinja2
from slack_sdk.errors import SlackApiError
from sqlalchemy import select

from bot import paging
from bot.context import Context
from bot.db.engine import transaction
from bot.db.models import OPEN, Incident, OutboxEffect
from bot.incidents import effects, escalation
from bot.insights.postmortem import document, markdown
from bot.outbox import store as outbox
from bot.rendering import TemplateProblem
from bot.slack import effect_messages, slack_state
from bot.slack.announcements import topic
from bot.slack.gateway import effect_metadata, error_name
from bot.slack.insights_views import home_view
from bot.slack.naming import channel_name

log = logging.getLogger(__name__)

MAX_NAME_TRIES = 20
# Slack errors that retrying cannot fix; the effect is reported instead.
PERMANENT = frozenset(
    {
        "channel_not_found", "is_archived", "not_in_channel", "user_not_found", "cant_invite",
        "user_disabled", "account_inactive", "user_is_restricted", "cannot_dm_bot", "invalid_auth",
        "not_authed", "token_revoked", "missing_scope", "restricted_action",
        "no_permission", "invalid_blocks", "invalid_arguments", "msg_too_long", "message_not_found",
        "cant_update_message", "not_allowed_token_type", "team_access_not_granted", "ekm_access_denied",
        "method_not_supported_for_channel_type",
    }
)  # fmt: skip


@dataclass(frozen=True)
class Done:
    result: dict[str, Any] | None = None


@dataclass(frozen=True)
class Again:
    after: timedelta
    error: str
    in_doubt: bool = False  # the attempt may have reached Slack
    # Slack or the pager were busy or unreachable (a 429, a 5xx, a dropped connection): retried
    # until it lands. Otherwise (an error nobody knows, a bug) it is given up after a while, so
    # one bad effect never holds its lane for good.
    transient: bool = True


@dataclass(frozen=True)
class Failed:
    error: str


Delivery = Done | Again | Failed


class CannotDeliver(Exception):
    """Raised by a sender when the effect cannot be done, for good (the message is the error code)."""


def backoff(attempts: int, ceiling: float) -> timedelta:
    return timedelta(seconds=min(2 ** max(attempts - 1, 0), ceiling))


def deliver(ctx: Context, claimed: outbox.Claimed) -> Delivery:
    """Carry out one effect; what it means for the outbox is in the outcome."""
    ceiling = ctx.settings.slack_retry_after
    try:
        incident, refresh = None, None
        if claimed.incident_id is not None:
            with ctx.sessions() as session:  # read and closed: no transaction is held across Slack calls
                # the edit owed for this post, read first: the incident read next shows its change
                if claimed.payload.get("refreshed_by") and not claimed.in_doubt:
                    refresh = outbox.pending(session, claimed.payload["refreshed_by"])
                incident = session.get(Incident, claimed.incident_id)
            if incident is None:
                return Done({"skipped": "the incident is gone"})
        if claimed.kind == "post":
            return Done(_post(ctx, claimed, incident, refresh))
        return Done(SENDERS[claimed.kind](ctx, claimed, incident))
    except effect_messages.Gone as gone:
        return Done({"skipped": str(gone)})
    except (TemplateProblem, jinja2.TemplateError) as broken:  # a template override to fix
        return Failed(f"a template does not render: {broken}")
    except CannotDeliver as cannot:
        return Failed(str(cannot))
    except SlackApiError as exc:
        return _slack_error(ctx, claimed, exc, ceiling)
    except paging.PageFailed as failure:
        if failure.for_good:
            return Failed(str(failure))
        return Again(backoff(claimed.attempts, ceiling), str(failure))
    except OSError as exc:  # the connection dropped: the request may or may not have reached Slack
        return Again(backoff(claimed.attempts, ceiling), f"{type(exc).__name__}: {exc}", in_doubt=True)


def _slack_error(ctx: Context, claimed: outbox.Claimed, exc: SlackApiError, ceiling: float) -> Delivery:
    error, status = error_name(exc), exc.response.status_code
    detail = f"{error} (HTTP {status})"
    if status == 429:
        retry_after = float(
            exc.response.headers.get("Retry-After") or exc.response.headers.get("retry-after") or 1
        )
        return Again(timedelta(seconds=retry_after), detail)
    if status >= 500:
        return Again(backoff(claimed.attempts, ceiling), detail, in_doubt=True)
    if error == "not_in_channel" and _rejoin(ctx, claimed):
        return Again(timedelta(0), detail)
    if error in PERMANENT:
        return Failed(error)
    return Again(backoff(claimed.attempts, ceiling), detail, transient=False)


def _rejoin(ctx: Context, claimed: outbox.Claimed) -> bool:
    """The bot was removed from a public channel: join it again (on an effect's first attempts; a
    private channel cannot be joined, and the effect is reported instead)."""
    target = str(claimed.payload.get("place") or "")
    if claimed.attempts > 3 or target.startswith("user:") or not target:
        return False
    try:
        with ctx.sessions() as session:
            incident = session.get(Incident, claimed.incident_id) if claimed.incident_id else None
        channel = _target(ctx, incident, target)
    except CannotDeliver:
        return False
    try:
        return ctx.outbound.join(channel)
    except SlackApiError:
        return False


# ---------------------------------------------------------------------------- where things go


def _target(ctx: Context, incident: Incident | None, place: str) -> str:
    """What the Web API takes as ``channel`` for a place: an id, a channel name, or a user id."""
    if place == effects.INCIDENT:
        if incident is None or incident.channel_id is None:
            raise CannotDeliver("no_incident_channel")  # its creation was refused
        return incident.channel_id
    if place == effects.ANNOUNCEMENTS:
        return ctx.policy.announcement_channel
    if place == effects.LEADERSHIP:
        return ctx.policy.leadership_channel or ""
    return place.partition(":")[2]


def _since(claimed: outbox.Claimed) -> float:
    return claimed.created_at.astimezone(UTC).timestamp() - 5


# ---------------------------------------------------------------------------- one sender per kind

Sender = Callable[[Context, outbox.Claimed, Incident | None], dict[str, Any] | None]


def _post(
    ctx: Context, claimed: outbox.Claimed, incident: Incident | None, refresh: outbox.Owed | None = None
) -> dict[str, Any]:
    """Post a message (found in the channel instead if an earlier attempt may have posted it).
    ``refresh``: the edit owed for this message, read before the incident it is rendered from; a
    message rendered now shows that edit's state, so it is not sent (unless owed again since)."""
    assert incident is not None
    payload = claimed.payload
    channel = _target(ctx, incident, payload["place"])
    thread_ts = None
    if payload.get("thread"):
        parent = incident.message(effects.PURPOSE[payload["thread"]])
        if parent is not None:
            channel, thread_ts = parent.channel_id, parent.ts
    found = (
        ctx.outbound.find_posted(channel, claimed.key, _since(claimed), thread_ts)
        if claimed.in_doubt
        else None
    )
    if found is None:
        message = effect_messages.render(ctx, incident, payload["message"], payload.get("data") or {})
        extra: dict[str, Any] = {"metadata": effect_metadata(claimed.key)}
        if thread_ts:
            extra["thread_ts"] = thread_ts
        found = ctx.outbound.post(channel, message, **extra)
    else:
        refresh = None  # posted by an earlier attempt, from an older state
    channel_id, ts = found
    if payload.get("record_as"):
        with transaction(ctx.sessions) as writing:
            slack_state.record_message(writing, incident.id, payload["record_as"], channel_id, ts)
            if refresh is not None:
                outbox.shown(writing, refresh, ctx.clock(), "the message was posted showing this state")
    return {"channel": channel_id, "ts": ts}


def _edit(ctx: Context, claimed: outbox.Claimed, incident: Incident | None) -> dict[str, Any]:
    assert incident is not None
    stored = incident.message(claimed.payload["purpose"])
    if stored is None:
        return {"skipped": "the announcement was never posted"}
    message = effect_messages.render(ctx, incident, claimed.payload["message"], {})
    ctx.outbound.update(stored.channel_id, stored.ts, message)
    return {"channel": stored.channel_id, "ts": stored.ts}


def _topic(ctx: Context, claimed: outbox.Claimed, incident: Incident | None) -> dict[str, Any]:
    assert incident is not None
    channel = _target(ctx, incident, effects.INCIDENT)
    ctx.outbound.set_topic(channel, topic(ctx, incident))
    return {"channel": channel}


def _pin(ctx: Context, claimed: outbox.Claimed, incident: Incident | None) -> dict[str, Any]:
    assert incident is not None
    stored = incident.message(claimed.payload["purpose"])
    if stored is None:
        return {"skipped": "the announcement was never posted"}
    ctx.outbound.pin(stored.channel_id, stored.ts)
    return {"channel": stored.channel_id, "ts": stored.ts}


def _invite(ctx: Context, claimed: outbox.Claimed, incident: Incident | None) -> dict[str, Any]:
    channel = _target(ctx, incident, effects.INCIDENT)
    ctx.outbound.invite(channel, [claimed.payload["user"]])
    return {"channel": channel}


def _create_channel(ctx: Context, claimed: outbox.Claimed, incident: Incident | None) -> dict[str, Any]:
    assert incident is not None
    if incident.channel_id:
        return {"channel": incident.channel_id}
    prefix = f"drill-{ctx.policy.channel_prefix}" if incident.is_drill else ctx.policy.channel_prefix
    for attempt in range(1, MAX_NAME_TRIES + 1):
        name = channel_name(prefix, incident.year, incident.number, incident.title, attempt)
        channel_id = ctx.outbound.create_channel(name, is_private=incident.is_private) or _ours_already(
            ctx, name
        )
        if channel_id is not None:
            with transaction(ctx.sessions) as writing:
                stored = writing.get_one(Incident, incident.id, with_for_update=True)
                slack_state.channel_created(writing, ctx.policy, stored, channel_id, name, ctx.clock())
            return {"channel": channel_id, "name": name}
    raise CannotDeliver(f"no free channel name after {MAX_NAME_TRIES} tries")


def _ours_already(ctx: Context, name: str) -> str | None:
    """The channel named ``name`` if this bot made it and no incident has it: an earlier attempt
    created it and died before recording it. Adopt it rather than orphan it."""
    channel = ctx.outbound.find_channel(name)
    if channel is None or channel.get("creator") != ctx.people.bot_user:
        return None
    channel_id = str(channel["id"])
    with ctx.sessions() as session:
        return None if slack_state.channel_in_use(session, channel_id) else channel_id


def _file(ctx: Context, claimed: outbox.Claimed, incident: Incident | None) -> dict[str, Any]:
    assert incident is not None
    channel = _target(ctx, incident, effects.INCIDENT)
    filename = f"{incident.ref}-postmortem.md"
    link = ctx.outbound.find_file(channel, filename, _since(claimed)) if claimed.in_doubt else None
    if link is None:
        with ctx.sessions() as session:
            data = document(session, ctx.policy, incident, ctx.clock())
        title = f"Postmortem {'draft ' if data['draft'] else ''}{incident.ref}"
        state = "(DRAFT — IN PROGRESS) " if data["draft"] else ""
        comment = f"Postmortem {state}for {incident.ref}, drafted from the timeline."
        link = ctx.outbound.upload(channel, filename, markdown(ctx.render, data), title, comment)
    return {"channel": channel, "permalink": link}


def _bookmark(ctx: Context, claimed: outbox.Claimed, incident: Incident | None) -> dict[str, Any]:
    assert incident is not None
    channel = _target(ctx, incident, effects.INCIDENT)
    query = select(OutboxEffect.result).where(OutboxEffect.key == claimed.payload["file"])
    with ctx.sessions() as session:
        link = (session.scalars(query).first() or {}).get("permalink")
    if not link:
        return {"skipped": "the file has no link"}
    bookmark_id = ctx.outbound.bookmark(channel, claimed.payload["title"], link, look_first=claimed.in_doubt)
    with transaction(ctx.sessions) as writing:
        slack_state.record_message(writing, incident.id, "postmortem_bookmark", channel, bookmark_id)
    return {"channel": channel, "bookmark": bookmark_id}


def _reply(ctx: Context, claimed: outbox.Claimed, incident: Incident | None) -> dict[str, Any]:
    assert incident is not None
    payload = claimed.payload
    message = effect_messages.render(ctx, incident, payload["message"], payload.get("data") or {})
    if payload.get("url") and ctx.outbound.reply(payload["url"], message):
        return {"via": "response_url"}
    channel, ts = ctx.outbound.post(payload["user"], message, metadata=effect_metadata(claimed.key))
    return {"channel": channel, "ts": ts}


def _page(ctx: Context, claimed: outbox.Claimed, incident: Incident | None) -> dict[str, Any]:
    assert incident is not None
    payload = claimed.payload
    target = ctx.policy.escalation.targets.get(payload["target"])
    if target is None or not target.pages:
        return {"skipped": "the target no longer pages"}
    if payload["action"] == "trigger" and incident.status not in OPEN:
        return {"skipped": "resolved before the page went out"}
    paging.send(
        ctx.policy, target, incident, payload["action"], str(payload.get("reason") or ""), claimed.key
    )
    with transaction(ctx.sessions) as writing:
        stored = writing.get_one(Incident, incident.id, with_for_update=True)
        escalation.paged(writing, ctx.policy, stored, payload["target"], payload["action"], ctx.clock())
    return {"target": payload["target"], "action": payload["action"]}


def _home(ctx: Context, claimed: outbox.Claimed, incident: Incident | None) -> dict[str, Any]:
    """The App Home tab of one person, as it is now."""
    user = claimed.payload["user"]
    with ctx.sessions() as session:
        view = home_view(ctx.render, ctx.policy, session, ctx.clock())
    ctx.outbound.client.views_publish(user_id=user, view=view)
    return {"user": user}


SENDERS: dict[str, Sender] = {
    "post": _post,
    "edit": _edit,
    "topic": _topic,
    "pin": _pin,
    "invite": _invite,
    "create_channel": _create_channel,
    "file": _file,
    "bookmark": _bookmark,
    "reply": _reply,
    "page": _page,
    "home": _home,
}


def describe(claimed: outbox.Claimed) -> str:
    """What the effect was meant to do, in a few words for a person."""
    payload = claimed.payload
    place = str(payload.get("place") or "")
    where = {
        effects.INCIDENT: "the incident channel",
        effects.ANNOUNCEMENTS: "the announcement channel",
        effects.LEADERSHIP: "the leadership channel",
    }.get(place) or (f"a direct message to <@{place[5:]}>" if place.startswith("user:") else place)
    what = {
        "post": f"post {str(payload.get('message', 'a message')).replace('_', ' ')} in {where}",
        "edit": f"edit the announcement in {where}",
        "topic": "set the incident channel's topic",
        "pin": "pin the announcement",
        "invite": f"invite <@{payload.get('user')}> to the incident channel",
        "create_channel": "create the incident channel",
        "file": "upload the postmortem",
        "bookmark": "bookmark the postmortem",
        "reply": "tell you how the declaration went",
        "page": f"page {payload.get('target')} ({payload.get('action')})",
        "home": f"show <@{payload.get('user')}> the incidents in the bot's Home tab",
    }
    return what.get(claimed.kind, claimed.kind)


def is_report(claimed: outbox.Claimed) -> bool:
    return bool((claimed.payload.get("data") or {}).get("report"))
