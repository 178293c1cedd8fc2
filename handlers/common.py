"""What every listener shares: the parsed slash command, ephemeral notices, failure reporting."""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from bot.context import Context
from bot.db.models import Incident
from bot.errors import NotFound
from bot.incidents import permissions, queries
from bot.incidents.permissions import Action
from bot.slack.render import Message
from bot.slack.steps import Steps

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., None])


class BadPayload(Exception):
    """A button or form value that is not what the bot put there (stale, or crafted)."""


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


def notice(ctx: Context, *lines: str) -> Message:
    """A short message of plain-text lines (escaped by the template)."""
    return ctx.render.message("notice", lines=list(lines))


def trusted_notice(ctx: Context, *lines: str) -> Message:
    """A short message of mrkdwn lines the bot wrote itself (e.g. refusals naming people)."""
    return ctx.render.message("notice", lines=list(lines), trusted=True)


def tell(ctx: Context, response_url: str | None, user_id: str, message: Message) -> None:
    """Tell one person something privately: through the response_url when there is one, else by DM."""
    if response_url:
        ctx.slack.reply(response_url, message)
    else:
        ctx.slack.dm(user_id, message)


def metadata(view: dict[str, Any]) -> dict[str, Any]:
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def reporting(ctx: Context, what: str) -> Callable[[F], F]:
    """Wrap a lazy listener: an unexpected failure is logged and the person is told, never silent."""

    def decorate(function: F) -> F:
        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> None:
            body = kwargs.get("body") or {}
            try:
                function(*args, **kwargs)
            except (BadPayload, NotFound) as stale:
                log.warning("%s: refused a stale or unexpected payload (%s)", what, stale)
                _tell_safely(
                    ctx, body, "That refers to something that is not there (any more); try the command again."
                )
            except Exception:
                log.exception("%s failed", what)
                _tell_safely(
                    ctx, body, f"Sorry, {what} failed. What was saved is kept; try again, or check the logs."
                )

        return wrapper  # type: ignore[return-value]

    return decorate


def _tell_safely(ctx: Context, body: dict[str, Any], line: str) -> None:
    user = str(body.get("user_id") or (body.get("user") or {}).get("id") or "")
    url = body.get("response_url") or metadata(body.get("view") or {}).get("reply_url")
    if not user:
        return
    try:
        tell(ctx, url, user, notice(ctx, line))
    except Exception:
        log.exception("could not tell %s: %s", user, line)


def not_an_incident_channel(ctx: Context, name: str) -> Message:
    return notice(
        ctx,
        f"`/incident {name}` works inside an incident's channel, and this is not one.",
        "Run it there, or use `/incident list` to find the incident.",
    )


def incident_here(ctx: Context, command: Command) -> Incident | None:
    """The incident whose channel the command was typed in; tells the person when there is none."""
    with ctx.sessions() as session:
        incident = queries.by_channel(session, command.channel_id)
    if incident is None:
        ctx.slack.reply(command.response_url, not_an_incident_channel(ctx, command.name))
    return incident


def report_failures(ctx: Context, steps: Steps, reply_url: str | None, user: str, *lines: str) -> None:
    """Tell the person who acted about warnings and Slack steps that failed after their change was saved."""
    out = list(lines)
    if steps.failures:
        failed = ", ".join(name for name, _ in steps.failures)
        out.append(f"The change is saved, but Slack failed at: {failed}. Try again, or check the bot's logs.")
    if out:
        tell(ctx, reply_url, user, trusted_notice(ctx, *out))


def permitted(ctx: Context, action: Action, incident: Incident, actor: str, reply_url: str | None) -> bool:
    """Check the policy's permissions; tells a refused person who may. Asks Slack about admins only
    when the answer depends on it."""
    if permissions.allowed(ctx.policy, action, incident, actor, is_admin=False):
        return True
    if permissions.allowed(ctx.policy, action, incident, actor, is_admin=ctx.people.is_admin(actor)):
        return True
    tell(ctx, reply_url, actor, trusted_notice(ctx, permissions.refusal(action, incident)))
    return False
