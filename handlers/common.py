"""What every listener shares: the bot's context, the parsed command, answers, form errors.

Listeners are module-level functions Bolt calls with ``ack``, ``body`` and ``context``; the app
factory puts the bot's :class:`~bot.slack.context.SlackContext` in Bolt's context as ``"bot"``. An ack
listener validates and commits before it acknowledges (acknowledged means saved); what must
happen after the ack (opening a form, a reply through the response URL) is left in Bolt's
context under ``"then"`` for :func:`after_ack`, run by the after-ack threads.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from slack_bolt import Ack, BoltContext

from bot.db.health import is_contention, is_outage, reason
from bot.db.models import Incident
from bot.errors import InputError, NotFound, Refusal
from bot.incidents import access, queries
from bot.incidents.updates import Closed
from bot.rendering import Message
from bot.slack import open_forms, refusals
from bot.slack.context import SlackContext

log = logging.getLogger(__name__)

T = TypeVar("T")

NOTHING_SAVED = "Nothing was saved: the bot's database is not answering right now. Try again in a minute."
BUSY = "Nothing was saved: the incident was busy with another change just then. Try again."
FORM_BUSY = "Nothing was saved: the incident was busy with another change just then. Submit again."
FORM_NOT_SAVED = (
    "Nothing was saved: the bot's database is not answering right now. Your answers are still "
    "here; submit again in a minute."
)


class BadPayload(Exception):
    """A button or form value that is not what the bot put there (stale, or crafted)."""


NOT_YOUR_FORM = (
    "This form was not opened for you, or it is too old: nothing was saved. Run the command again."
)


def opened_form(ctx: SlackContext, body: dict[str, Any], name: str) -> dict[str, Any]:
    """What the bot kept for the form being submitted (the incident, the reply URL), if it was
    opened for the person submitting it; else BadPayload."""
    found = open_forms.recall(ctx.sessions, body.get("view") or {})
    if found is None or found.user != user_of(body) or found.name != name:
        raise BadPayload(f"a {name} form submitted by {user_of(body)} that was not opened for them")
    return found.data


def bot(context: BoltContext | dict[str, Any]) -> SlackContext:
    found = context["bot"]
    assert isinstance(found, SlackContext)
    return found


def number(value: object) -> int:
    """An id the bot put in a button value, block id or private_metadata."""
    try:
        return int(str(value))
    except ValueError:
        raise BadPayload(f"{str(value)[:40]!r} is not an id") from None


@dataclass(frozen=True)
class Command:
    """``/incident <name> <args>`` as typed; ``args`` is still in Slack's encoding."""

    name: str
    args: str
    user_id: str
    channel_id: str
    trigger_id: str
    response_url: str

    @classmethod
    def parse(cls, body: dict[str, Any]) -> Command:
        name, _, args = str(body.get("text") or "").strip().partition(" ")
        return cls(
            name=name.lower(),
            args=args.strip(),
            user_id=str(body.get("user_id", "")),
            channel_id=str(body.get("channel_id", "")),
            trigger_id=str(body.get("trigger_id", "")),
            response_url=str(body.get("response_url", "")),
        )


def notice(ctx: SlackContext, *lines: str) -> Message:
    """A short message of plain-text lines (escaped by the template)."""
    return ctx.render.message("notice", lines=list(lines))


def trusted_notice(ctx: SlackContext, *lines: str) -> Message:
    """A short message of mrkdwn lines the bot wrote itself (e.g. refusals naming people)."""
    return ctx.render.message("notice", lines=list(lines), trusted=True)


def refusal_notice(ctx: SlackContext, refusal: Refusal, *more: str) -> Message:
    ctx.metrics.refusals.labels(refusal.reason).inc()
    return trusted_notice(ctx, refusals.word(refusal), *more)


def closed_notice(ctx: SlackContext, closed: Closed) -> Message:
    return notice(ctx, f"{closed.ref} is {closed.status.lower()}; reopen it first with `/incident reopen`.")


def answer(ack: Ack, message: Message | None = None) -> None:
    """Acknowledge, answering privately in the acknowledgement itself when there is something to say."""
    if message is None:
        ack()
    else:
        ack(response_type="ephemeral", **message.as_kwargs())


class Refused:
    """What :func:`save_form` returns when it answered the form with errors itself."""


REFUSED = Refused()


def save_form(ctx: SlackContext, ack: Ack, first_field: str, save: Callable[[], T]) -> T | Refused:
    """Validate and commit a form's submission before it is acknowledged.

    Bad input answers the form with its field errors; a refusal or a database outage with an error
    on the form's first field (the form stays open with everything typed in it). Returns what
    ``save`` returned, or ``REFUSED`` when the form was answered here; the caller acks on success.
    """
    try:
        return save()
    except InputError as error:
        ack(response_action="errors", errors=error.fields)
    except Refusal as refusal:
        ctx.metrics.refusals.labels(refusal.reason).inc()
        ack(response_action="errors", errors={first_field: _plain(refusals.word(refusal))})
    except (BadPayload, NotFound) as stale:
        log.warning("refused a form (%s)", stale)
        ack(response_action="errors", errors={first_field: NOT_YOUR_FORM})
    except Exception as exc:
        if not is_outage(exc) and not is_contention(exc):
            raise
        log.warning("a form was answered that nothing was saved (%s)", reason(exc))
        ack(
            response_action="errors",
            errors={first_field: FORM_BUSY if is_contention(exc) else FORM_NOT_SAVED},
        )
    return REFUSED


def _plain(mrkdwn: str) -> str:
    """Field errors are plain text: mentions become plain ids."""
    return mrkdwn.replace("<@", "@").replace(">", "")


def outcome(ctx: SlackContext, save: Callable[[], Message | None]) -> Message | None:
    """Run a change (validate and commit); what to tell the person: what it says, or why nothing
    was saved (bad input, a refusal, a stale button, the database away)."""
    try:
        return save()
    except InputError as error:
        return notice(ctx, *error.fields.values())
    except Refusal as refusal:
        return refusal_notice(ctx, refusal)
    except (BadPayload, NotFound) as stale:
        log.warning("refused a stale or unexpected payload (%s)", stale)
        return notice(ctx, "That refers to something that is not there (any more); try the command again.")
    except Exception as exc:
        if not is_outage(exc) and not is_contention(exc):
            raise
        log.warning("a change was answered that nothing was saved (%s)", reason(exc))
        return notice(ctx, BUSY if is_contention(exc) else NOTHING_SAVED)


def saving(ctx: SlackContext, ack: Ack, save: Callable[[], Message | None]) -> None:
    """A command's change before the ack, answered in the ack."""
    answer(ack, outcome(ctx, save))


def button(ctx: SlackContext, ack: Ack, context: BoltContext, save: Callable[[], Message | None]) -> None:
    """A button's change before the ack; what it says goes through the response URL right after
    (Slack shows nothing a button's acknowledgement carries)."""
    said = outcome(ctx, save)
    ack()
    if said is not None:
        tell_after(context, said)


def tell_after(context: BoltContext | dict[str, Any], message: Message) -> None:
    """Leave a private answer for :func:`after_ack` to send through the response URL (buttons
    cannot be answered in their acknowledgement)."""
    context["then"] = {**(context.get("then") or {}), "tell": message.as_kwargs()}


def then(context: BoltContext | dict[str, Any], **what: Any) -> None:
    """Leave work for :func:`after_ack` (plain data: it runs in another thread, after the ack)."""
    context["then"] = {**(context.get("then") or {}), **what}


def asker(ctx: SlackContext, user: str) -> access.Asker:
    """The person a request comes from, with Slack's answers about them asked only when needed."""
    return access.Asker(
        user, lambda: ctx.people.is_admin(user), lambda channel: ctx.people.in_channel(user, channel)
    )


def incident_here(ctx: SlackContext, command: Command) -> Incident | None:
    """The incident whose channel the command was typed in, if the person may act on it."""
    return incident_in(ctx, command.channel_id, command.user_id)


def incident_in(ctx: SlackContext, channel: str, user: str) -> Incident | None:
    """The incident whose channel this is, if ``user`` may act on it (a private incident is nobody
    else's: for them this is not an incident channel)."""
    with ctx.sessions() as session:
        found = queries.by_channel(session, channel)
    if found is None or not access.may_act(found, asker(ctx, user)):
        return None
    return found


def allowed_incident(ctx: SlackContext, incident_id: int, user: str) -> Incident:
    """The incident a button or form names, if ``user`` may act on it (else NotFound: nothing is
    revealed about it)."""
    with ctx.sessions() as session:
        return access.incident(session, incident_id, asker(ctx, user))


def allowed_item(ctx: SlackContext, item_id: int, user: str) -> int:
    """A follow-up a button names, if ``user`` may act on its incident."""
    with ctx.sessions() as session:
        return access.item(session, item_id, asker(ctx, user)).id


def not_an_incident_channel(ctx: SlackContext, name: str) -> Message:
    return notice(
        ctx,
        f"`/incident {name}` works inside an incident's channel, and this is not one.",
        "Run it there, or use `/incident list` to find the incident.",
    )


def is_admin(ctx: SlackContext, user: str) -> bool:
    """Admins, for the permission checks the domain makes (a question to Slack for user groups)."""
    return ctx.people.is_admin(user)


def reply_url(ctx: SlackContext, body: dict[str, Any]) -> str | None:
    """Where a private answer goes: the request's response URL, or the one kept with the form."""
    url = body.get("response_url")
    if not url and body.get("view"):
        opened = open_forms.recall(ctx.sessions, body["view"])
        url = opened.data.get("reply_url") if opened and opened.user == user_of(body) else None
    return str(url) if url else None


def user_of(body: dict[str, Any]) -> str:
    return str(body.get("user_id") or (body.get("user") or {}).get("id") or "")
