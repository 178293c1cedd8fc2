"""The Slack adapter: each kind of owed effect turned into Web API calls, and what Slack's answer
means for the outbox.

A sender never sleeps and never retries by itself: it returns, and ``Deliverer.run`` turns what
happened into an outcome (``Done``; ``Again`` after a 429's Retry-After or a back-off; ``Failed``
for good). A post whose earlier attempt has no recorded outcome is first looked for in the channel
by the key in its metadata, so a crash between Slack's answer and our record never makes a second
message.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, timedelta
from typing import Any, TypeVar

import jinja2
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from bot.db.engine import transaction
from bot.db.models import ExternalRef, Incident
from bot.incidents import effects, external
from bot.incidents.owed import (
    AlertShown,
    Bookmark,
    CreateChannel,
    Edit,
    File,
    Home,
    Invite,
    Pin,
    Post,
    Reply,
    Topic,
)
from bot.insights.postmortem import document, markdown
from bot.outbox import store as outbox
from bot.outbox.adapters import Adapter, Effect, Kind
from bot.outbox.holds import RATE_LIMITED, Hold, holding
from bot.outbox.outcome import Again, Done, Failed, Held, Outcome
from bot.outbox.retry import RetryPolicy
from bot.rendering import TemplateProblem
from bot.slack import alerts, effect_messages, slack_state
from bot.slack.announcements import topic
from bot.slack.context import SlackContext
from bot.slack.delivery_rules import (
    BOT_REFUSED,
    CHANNEL_WAIT,
    HOLDS_SEEN,
    IN_LINE,
    PER_CHANNEL,
    PERMANENT,
    PLACE_GONE,
    SMALL_BUDGET,
    THREAD_WAIT,
    CannotDeliver,
    ChannelComing,
    NoChannel,
    ThreadComing,
)
from bot.slack.gateway import effect_metadata, error_name
from bot.slack.insights_views import home_view
from bot.slack.naming import channel_name
from bot.slack.prepared import PreparedIncidents

log = logging.getLogger(__name__)

MAX_NAME_TRIES = 20


P = TypeVar("P", bound=Effect)
# What a send returns: its result, or Done with something to write when it is recorded.
Sender = Callable[[outbox.Claimed, P, Incident | None], dict[str, Any] | Done | None]


def _since(claimed: outbox.Claimed) -> float:
    return claimed.created_at.astimezone(UTC).timestamp() - 5


class Deliverer:
    """Slack's senders, one per kind, with what they share: the clients, the policy, the database."""

    def __init__(self, ctx: SlackContext) -> None:
        self.ctx = ctx
        self.retry = RetryPolicy(longest=ctx.settings.slack_retry_after)
        # kinds Slack rate-limited, until when (monotonic): this replica's workers that claimed one
        # before the hold was seen do not call before the Retry-After has passed
        self._limited: dict[str, float] = {}
        self._limited_lock = threading.Lock()
        self._one_at_a_time = {kind: threading.Lock() for kind in SMALL_BUDGET}
        self.prepared = PreparedIncidents(ctx.sessions)  # each claimed batch's incidents, read once

    def _wait_for_limit(self, kind: str) -> float:
        with self._limited_lock:
            return max(self._limited.get(kind, 0.0) - time.monotonic(), 0.0)

    def _limit(self, kind: str, seconds: float) -> None:
        with self._limited_lock:
            self._limited[kind] = max(self._limited.get(kind, 0.0), time.monotonic() + seconds)

    def adapter(self) -> Adapter:
        def kind(payload: type[P], send: Sender[P], describe: Callable[[P], str], **flags: bool) -> Kind[P]:
            serial = payload.KIND in SMALL_BUDGET
            return Kind(
                payload, lambda claimed, p: self.run(claimed, send, p), describe, serial=serial, **flags
            )

        return Adapter(
            name="slack",
            system="Slack",
            retry=self.retry,
            probe=self.probe,
            prepare=self.prepared.read,
            kinds=(
                kind(Post, self.post, describe_post, paced=True, creates=True),
                kind(Edit, self.edit, lambda p: f"edit the announcement in {_where(p.place)}"),
                kind(Topic, self.topic, lambda p: "set the incident channel's topic"),
                kind(Pin, self.pin, lambda p: "pin the announcement"),
                kind(Invite, self.invite, lambda p: f"invite <@{p.user}> to the incident channel"),
                kind(
                    CreateChannel, self.create_channel, lambda p: "create the incident channel", creates=True
                ),
                kind(File, self.file, lambda p: f"upload the {p.document}", paced=True, creates=True),
                kind(Bookmark, self.bookmark, lambda p: f"bookmark the {p.title.lower()}", creates=True),
                kind(Reply, self.reply, lambda p: "tell you how the declaration went"),
                kind(Home, self.home, lambda p: f"show <@{p.user}> the incidents in the bot's Home tab"),
                kind(
                    AlertShown,
                    self.alert,
                    lambda p: "show the alert in the alerts channel",
                    paced=True,
                    creates=True,
                ),
            ),
        )

    # -------------------------------------------------------------------- outcome of one attempt

    def run(self, claimed: outbox.Claimed, send: Sender[P], payload: P) -> Outcome:
        """Carry out one effect; what it means for the outbox is in the outcome."""
        gate = self._one_at_a_time.get(claimed.kind)
        if gate is None:
            return self._run(claimed, send, payload)
        with gate:  # a method with a small budget: one call in flight, so a 429 stops the next
            return self._run(claimed, send, payload)

    def _run(self, claimed: outbox.Claimed, send: Sender[P], payload: P) -> Outcome:
        wait = self._wait_for_limit(claimed.kind)
        if wait > 0:  # Slack said to wait: not a call before its Retry-After
            return Held(timedelta(seconds=wait), f"{RATE_LIMITED} {claimed.kind} (waiting)")
        if claimed.kind in SMALL_BUDGET and (held := self._held_elsewhere(claimed.kind)) is not None:
            return held
        try:
            incident = self.prepared.take(claimed)
            if incident is None and claimed.incident_id is not None:
                return Done({"skipped": "the incident is gone"})
            sent = send(claimed, payload, incident)
            return sent if isinstance(sent, Done) else Done(sent)
        except effect_messages.Gone as gone:
            return Done({"skipped": str(gone)})
        except effect_messages.Unknown as unknown:  # a newer release owed it: wait for one
            return Held(timedelta(seconds=self.retry.longest), str(unknown))
        except (TemplateProblem, jinja2.TemplateError) as broken:  # a template override to fix
            return Failed(f"a template does not render: {broken}")
        except NoChannel:
            return Done({"skipped": "the incident has no channel (Slack refused to create it)"})
        except ChannelComing:
            return Held(CHANNEL_WAIT, "waiting for the incident's channel, which it names")
        except ThreadComing:
            return Held(CHANNEL_WAIT, "waiting for the message it replies under to be posted")
        except CannotDeliver as cannot:
            error = str(cannot)
            return Failed(error, place_gone=error in PLACE_GONE)
        except SlackApiError as exc:
            return self._slack_error(claimed, exc)
        except OSError as exc:  # the connection dropped: the request may or may not have reached Slack
            return Again(self.retry.delay(claimed.attempts), f"{type(exc).__name__}: {exc}", in_doubt=True)

    def _held_elsewhere(self, kind: str) -> Held | None:
        """A last look before a call with a small budget: a hold another replica started after this
        one claimed (replicas read the holds once a second) still stops it. One query, for kinds
        sent a few times a minute."""
        try:
            with self.ctx.sessions() as session:
                hold = holding(session, "slack", kind)
        except Exception:  # (the call goes ahead, as before this look; its outcome is recorded)
            log.warning("could not read the holds before a %s call", kind, exc_info=True)
            return None
        if hold is None:
            return None
        if not hold.timed:
            return Held(timedelta(seconds=HOLDS_SEEN), f"{hold.reason} (held)")
        wait = (hold.probe_at - self.ctx.clock()).total_seconds()
        return Held(timedelta(seconds=wait), f"{hold.reason} (held)") if wait > 0 else None

    def _slack_error(self, claimed: outbox.Claimed, exc: SlackApiError) -> Outcome:
        error, status = error_name(exc), exc.response.status_code
        detail = f"{error} (HTTP {status})"
        if error in BOT_REFUSED or status in (401, 403):
            say = f"Slack refuses the bot's token ({error})"
            return Held(timedelta(0), error, holds="adapter", say=say)
        if error == "missing_scope":
            needed = str(exc.response.get("needed") or "")
            method = str(exc.response.api_url or "").rstrip("/").rpartition("/")[2] or "a method"
            say = (
                f"Slack refuses {method} (missing_scope): the app needs the {needed} scope; add it to the "
                "bot scopes in manifest.yml and reinstall the app"
            )
            return Held(timedelta(0), f"missing_scope {needed}", holds="kind", detail=needed, say=say)
        if status == 429:
            retry_after = float(
                exc.response.headers.get("Retry-After") or exc.response.headers.get("retry-after") or 1
            )
            self._limit(claimed.kind, retry_after)  # none of this replica's calls before it
            if claimed.kind not in PER_CHANNEL | IN_LINE:  # the method's budget, for the workspace:
                method = str(exc.response.api_url or "").rstrip("/").rpartition("/")[2] or claimed.kind
                return Held(  # every replica holds this kind until Retry-After, the rest goes on
                    timedelta(seconds=retry_after), f"{RATE_LIMITED} {method}", holds="kind", timed=True
                )
            return Again(timedelta(seconds=retry_after), detail)
        if status >= 500:
            return Again(self.retry.delay(claimed.attempts), detail, in_doubt=True)
        if error == "not_in_channel" and self._rejoin(claimed):
            return Again(timedelta(0), detail)
        if error in PERMANENT:
            return Failed(error, place_gone=error in PLACE_GONE)
        return Again(
            self.retry.delay(claimed.attempts), detail, transient=False, place_gone=error in PLACE_GONE
        )

    def probe(self, hold: Hold) -> bool:
        """Does Slack take the bot's token again (and has the app the scope it lacked)?"""
        try:
            reply = self.ctx.outbound.client.auth_test()
        except SlackApiError:
            return False
        if hold.kind is None or not hold.detail:
            return True
        granted = next((v for k, v in (reply.headers or {}).items() if k.lower() == "x-oauth-scopes"), None)
        if isinstance(granted, list):
            granted = granted[0] if granted else None
        if granted is None:
            return True  # Slack did not say: try the effects, which hold again if it still lacks it
        return hold.detail in {scope.strip() for scope in str(granted).split(",")}

    def _rejoin(self, claimed: outbox.Claimed) -> bool:
        """The bot was removed from a public channel: join it again (on an effect's first attempts; a
        private channel cannot be joined, and the effect is reported instead)."""
        place = str(claimed.payload.get("place") or "")
        if claimed.attempts > 3 or place.startswith("user:") or not place:
            return False
        try:
            with self.ctx.sessions() as session:
                incident = session.get(Incident, claimed.incident_id) if claimed.incident_id else None
            channel = self._target(incident, place)
        except NoChannel:
            return False
        try:
            return self.ctx.outbound.join(channel)
        except SlackApiError:
            return False

    # ------------------------------------------------------------------------ where things go

    def _target(self, incident: Incident | None, place: str) -> str:
        """What the Web API takes as ``channel`` for a place: an id, a channel name, or a user id."""
        if place == effects.INCIDENT:
            if incident is None or incident.channel_id is None:
                raise NoChannel()  # its creation was refused: the lane waited for it until then
            return incident.channel_id
        if place == effects.ANNOUNCEMENTS:
            return self.ctx.policy.announcement_channel
        if place == effects.LEADERSHIP:
            return self.ctx.policy.leadership_channel or ""
        return place.partition(":")[2]

    # ----------------------------------------------------------------------- one sender per kind

    def post(self, claimed: outbox.Claimed, payload: Post, incident: Incident | None) -> Done:
        """Post a message (found in the channel instead if an earlier attempt may have posted it).
        The edit owed for this message (``refreshed_by``) is read before the incident it is
        rendered from; a message rendered now shows that edit's state, so it is not sent (unless
        owed again since). A message to remember (``record_as``) is recorded with the delivery."""
        assert incident is not None
        ctx = self.ctx
        refresh = None
        if payload.refreshed_by and not claimed.in_doubt:
            with ctx.sessions() as session:
                refresh = outbox.pending(session, payload.refreshed_by)
                incident = session.get_one(Incident, incident.id)  # read after the edit: shows its change
        thread = payload.thread
        waits = not payload.record_as and not payload.data.get("report")  # reports go at once
        if payload.place != effects.INCIDENT and waits and incident.channel_id is None:
            with ctx.sessions() as session:
                if effects.channel_coming(session, incident):
                    raise ChannelComing()  # it names the channel: sent once the channel exists
        if payload.place == effects.INCIDENT and incident.channel_id is None:
            if payload.record_as == effects.PURPOSE[effects.INCIDENT]:  # the announcement channel's shows it
                raise NoChannel()
            # Slack refused to create the channel: what it owes goes to the announcement's thread
            place, thread = effects.ANNOUNCEMENTS, effects.ANNOUNCEMENTS
        else:
            place = payload.place
        channel = self._target(incident, place)
        thread_ts = None
        if thread:
            parent = incident.message(effects.PURPOSE[thread]) or self._parent(claimed, incident, thread)
            if parent is not None:
                channel, thread_ts = parent.channel_id, parent.ts
        found = (
            ctx.outbound.find_posted(channel, claimed.key, _since(claimed), thread_ts)
            if claimed.in_doubt
            else None
        )
        if found is None:
            message = effect_messages.render(ctx, incident, payload.message, {**payload.data, "place": place})
            extra: dict[str, Any] = {"metadata": effect_metadata(claimed.key)}
            if thread_ts:
                extra["thread_ts"] = thread_ts
            found = ctx.outbound.post(channel, message, **extra)
        else:
            refresh = None  # posted by an earlier attempt, from an older state
        channel_id, ts = found
        result: dict[str, Any] = {"channel": channel_id, "ts": ts}
        if not payload.record_as:
            return Done(result)
        incident_id, purpose, shows = incident.id, payload.record_as, refresh

        def remember(writing: Session) -> None:
            slack_state.record_message(writing, incident_id, purpose, channel_id, ts)
            if shows is not None:
                outbox.shown(writing, shows, ctx.clock(), "the message was posted showing this state")

        return Done(result, also=remember)

    def _parent(self, claimed: outbox.Claimed, incident: Incident, thread: str) -> ExternalRef | None:
        """The message to reply under, read again (it may have been recorded since the incident was
        read). Still owed (its post pending, say in flight): ThreadComing, for a while. None when
        it never will be posted, or after that while: the reply goes to the channel."""
        with self.ctx.sessions() as session:
            ref = external.find(session, incident.id, effects.CHAT, effects.PURPOSE[thread])
            if ref is not None and ref.external_id is not None:
                return ref
            coming = outbox.pending(session, effects.announcement_key(incident, thread)) is not None
        if coming and self.ctx.clock() - claimed.created_at < THREAD_WAIT:
            raise ThreadComing()
        return None

    def edit(self, claimed: outbox.Claimed, payload: Edit, incident: Incident | None) -> dict[str, Any]:
        assert incident is not None
        stored = incident.message(payload.purpose)
        if stored is None:
            return {"skipped": "the announcement was never posted"}
        message = effect_messages.render(self.ctx, incident, payload.message, {"place": payload.place})
        self.ctx.outbound.update(stored.channel_id, stored.ts, message)
        return {"channel": stored.channel_id, "ts": stored.ts}

    def topic(self, claimed: outbox.Claimed, payload: Topic, incident: Incident | None) -> dict[str, Any]:
        assert incident is not None
        channel = self._target(incident, effects.INCIDENT)
        self.ctx.outbound.set_topic(channel, topic(self.ctx, incident))
        return {"channel": channel}

    def pin(self, claimed: outbox.Claimed, payload: Pin, incident: Incident | None) -> dict[str, Any]:
        assert incident is not None
        self._target(incident, payload.place)  # no channel: nothing to pin in
        stored = incident.message(payload.purpose)
        if stored is None:
            return {"skipped": "the announcement was never posted"}
        self.ctx.outbound.pin(stored.channel_id, stored.ts)
        return {"channel": stored.channel_id, "ts": stored.ts}

    def invite(self, claimed: outbox.Claimed, payload: Invite, incident: Incident | None) -> dict[str, Any]:
        channel = self._target(incident, effects.INCIDENT)
        self.ctx.outbound.invite(channel, [payload.user])
        return {"channel": channel}

    def create_channel(
        self, claimed: outbox.Claimed, payload: CreateChannel, incident: Incident | None
    ) -> dict[str, Any]:
        assert incident is not None
        ctx = self.ctx
        if incident.channel_id:
            return {"channel": incident.channel_id}
        prefix = f"drill-{ctx.policy.channel_prefix}" if incident.is_drill else ctx.policy.channel_prefix
        for attempt in range(1, MAX_NAME_TRIES + 1):
            name = channel_name(prefix, incident.year, incident.number, incident.title, attempt)
            channel_id = ctx.outbound.create_channel(
                name, is_private=incident.is_private
            ) or self._ours_already(name)
            if channel_id is not None:
                with transaction(ctx.sessions) as writing:
                    stored = writing.get_one(Incident, incident.id, with_for_update=True)
                    slack_state.channel_created(writing, ctx.policy, stored, channel_id, name, ctx.clock())
                return {"channel": channel_id, "name": name}
        raise CannotDeliver(f"no free channel name after {MAX_NAME_TRIES} tries")

    def _ours_already(self, name: str) -> str | None:
        """The channel named ``name`` if this bot made it and no incident has it: an earlier attempt
        created it and died before recording it. Adopt it rather than orphan it."""
        channel = self.ctx.outbound.find_channel(name)
        if channel is None or channel.get("creator") != self.ctx.people.bot_user:
            return None
        channel_id = str(channel["id"])
        with self.ctx.sessions() as session:
            return None if slack_state.channel_in_use(session, channel_id) else channel_id

    def file(self, claimed: outbox.Claimed, payload: File, incident: Incident | None) -> dict[str, Any]:
        assert incident is not None
        ctx = self.ctx
        channel = self._target(incident, effects.INCIDENT)
        filename = f"{incident.ref}-postmortem.md"
        link = ctx.outbound.find_file(channel, filename, _since(claimed)) if claimed.in_doubt else None
        if link is None:
            with ctx.sessions() as session:
                data = document(session, ctx.policy, incident, ctx.clock())
            title = f"Postmortem {'draft ' if data['draft'] else ''}{incident.ref}"
            state = "(DRAFT — IN PROGRESS) " if data["draft"] else ""
            comment = f"Postmortem {state}for {incident.ref}, drafted from the timeline."
            link = ctx.outbound.upload(channel, filename, markdown(ctx.render, data), title, comment)
        if link:
            with transaction(ctx.sessions) as writing:
                external.record(
                    writing,
                    incident.id,
                    effects.CHAT,
                    f"file:{claimed.key}",
                    filename,
                    container=channel,
                    url=link,
                )
        return {"channel": channel, "permalink": link}

    def bookmark(
        self, claimed: outbox.Claimed, payload: Bookmark, incident: Incident | None
    ) -> dict[str, Any]:
        assert incident is not None
        ctx = self.ctx
        channel = self._target(incident, effects.INCIDENT)
        link = payload.url
        if payload.file:
            with ctx.sessions() as session:
                uploaded = external.find(session, incident.id, effects.CHAT, f"file:{payload.file}")
            link = uploaded.url if uploaded is not None else None
        if not link:
            return {"skipped": "the file has no link"}
        bookmark_id = ctx.outbound.bookmark(channel, payload.title, link, look_first=claimed.in_doubt)
        purpose = "postmortem_bookmark" if payload.file else f"bookmark:{payload.title.lower()}"
        with transaction(ctx.sessions) as writing:
            slack_state.record_message(writing, incident.id, purpose, channel, bookmark_id)
        return {"channel": channel, "bookmark": bookmark_id}

    def reply(self, claimed: outbox.Claimed, payload: Reply, incident: Incident | None) -> dict[str, Any]:
        assert incident is not None
        message = effect_messages.render(self.ctx, incident, payload.message, {})
        if payload.url and self.ctx.outbound.reply(payload.url, message):
            return {"via": "response_url"}
        channel, ts = self.ctx.outbound.post(payload.user, message, metadata=effect_metadata(claimed.key))
        return {"channel": channel, "ts": ts}

    def alert(
        self, claimed: outbox.Claimed, payload: AlertShown, incident: Incident | None
    ) -> dict[str, Any]:
        return alerts.show(self.ctx, claimed, payload.alert_id)

    def home(self, claimed: outbox.Claimed, payload: Home, incident: Incident | None) -> dict[str, Any]:
        """The App Home tab of one person, as it is now."""
        ctx = self.ctx
        with ctx.sessions() as session:
            view = home_view(ctx.render, ctx.policy, session, ctx.clock())
        ctx.outbound.publish_home(payload.user, view)
        return {"user": payload.user}


def _where(place: str) -> str:
    return {
        effects.INCIDENT: "the incident channel",
        effects.ANNOUNCEMENTS: "the announcement channel",
        effects.LEADERSHIP: "the leadership channel",
    }.get(place) or (f"a direct message to <@{place[5:]}>" if place.startswith("user:") else place)


def describe_post(payload: Post) -> str:
    return f"post {payload.message.replace('_', ' ')} in {_where(payload.place)}"
