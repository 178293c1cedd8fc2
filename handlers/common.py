"""What every listener shares: the bot's context, the parsed command, answers, form errors.

Listeners are module-level functions Bolt calls with ``ack``, ``body`` and ``context``; the app
factory puts the bot's :class:`~bot.slack.context.SlackContext` in Bolt's context as ``"bot"``. An ack
listener validates and commits before it acknowledges (acknowledged means saved); what must
happen after the ack (opening a form, a reply through the response URL) is left in Bolt's
context under ``"then"`` for the lazy listener :func:`after_ack`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from slack_bolt import Ack, BoltContext

from bot.db.health import is_contention, is_outage, reason
from bot.db.models import Incident
from bot.errors import InputError, NotFound, Refusal
from bot.incidents import queries
from bot.incidents.updates import Closed
from bot.rendering import Message
from bot.slack import refusals
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
    return trusted_notice(ctx, refusals.word(refusal), *more)


def closed_notice(ctx: SlackContext, closed: Closed) -> Message:
    return notice(ctx, f"{closed.ref} is {closed.status.lower()}; reopen it first with `/incident reopen`.")


def answer(ack: Ack, message: Message | None = None) -> None:
    """Acknowledge, answering privately in the acknowledgement itself when there is something to say."""
    if message is None:
        ack()
    else:
        ack(response_type="ephemeral", **message.as_kwargs())


def metadata(view: dict[str, Any]) -> dict[str, Any]:
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


class Refused:
    """What :func:`save_form` returns when it answered the form with errors itself."""


REFUSED = Refused()


def save_form(ack: Ack, first_field: str, save: Callable[[], T]) -> T | Refused:
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
        ack(response_action="errors", errors={first_field: _plain(refusals.word(refusal))})
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
    """Leave work for the lazy listener (plain data: Bolt copies it to another thread)."""
    context["then"] = {**(context.get("then") or {}), **what}


def incident_here(ctx: SlackContext, channel_id: str) -> Incident | None:
    with ctx.sessions() as session:
        return queries.by_channel(session, channel_id)


def not_an_incident_channel(ctx: SlackContext, name: str) -> Message:
    return notice(
        ctx,
        f"`/incident {name}` works inside an incident's channel, and this is not one.",
        "Run it there, or use `/incident list` to find the incident.",
    )


def is_admin(ctx: SlackContext, user: str) -> bool:
    """Admins, for the permission checks the domain makes (a question to Slack for user groups)."""
    return ctx.people.is_admin(user)


def reply_url(body: dict[str, Any]) -> str | None:
    url = body.get("response_url") or metadata(body.get("view") or {}).get("reply_url")
    return str(url) if url else None


def user_of(body: dict[str, Any]) -> str:
    return str(body.get("user_id") or (body.get("user") or {}).get("id") or "")
