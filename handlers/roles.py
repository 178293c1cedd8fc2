"""Role buttons (take, release, assign) and ``/incident roles``, ``/incident role``, ``/incident ic``."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext

from bot.config.policy import COMMANDER_ROLE
from bot.incidents import roles
from bot.rendering import Message
from bot.slack.context import SlackContext
from bot.slack.presenters import facts
from bot.text import MENTION
from handlers.common import (
    BadPayload,
    Command,
    allowed_incident,
    bot,
    button,
    incident_here,
    is_admin,
    not_an_incident_channel,
    notice,
    number,
    trusted_notice,
)


def change_role(
    ctx: SlackContext,
    incident_id: int,
    role_key: str,
    actor: str,
    *,
    user: str | None = None,
    release: bool = False,
) -> Message | None:
    """Take (``user`` None), assign (``user`` given) or release a role; what to tell the actor."""
    if role_key not in {r.key for r in ctx.policy.roles}:
        raise BadPayload(f"no role {role_key!r} in the policy")
    if release:
        admin = _admin(ctx, actor)
        roles.release(ctx.sessions, ctx.policy, incident_id, role_key, actor, ctx.clock(), is_admin=admin)
        return None
    target = user or actor
    # whoever clicks or types is a person; only someone else named needs a look (a bot? deactivated?)
    problem = ctx.people.why_not_assignable(target) if target != actor else None
    if problem:
        return trusted_notice(ctx, problem, "Nothing was changed.")
    change = roles.assign(
        ctx.sessions,
        ctx.policy,
        incident_id,
        role_key,
        target,
        actor,
        ctx.clock(),
        is_admin=_admin(ctx, actor) if user else False,
        only_if_free=user is None,
    )
    return trusted_notice(ctx, f":warning: {change.warning}") if change.warning else None


def _admin(ctx: SlackContext, actor: str) -> bool:
    """Admins, or everyone when the policy lets anyone reassign roles."""
    return ctx.policy.permissions.reassign_roles == "anyone" or is_admin(ctx, actor)


def _parse_value(value: str) -> tuple[int, str]:
    incident_id, _, role_key = value.partition(":")
    return number(incident_id), role_key


def show_panel(ctx: SlackContext, command: Command, context: BoltContext) -> Message:
    incident = incident_here(ctx, command)
    if incident is None:
        return not_an_incident_channel(ctx, command.name)
    return ctx.render.message("roles_panel", i=facts(ctx.policy, incident, ctx.clock()))


def role_command(ctx: SlackContext, command: Command, context: BoltContext) -> Message | None:
    """``/incident role <role> [@user]`` and ``/incident ic [@user]``: assign, or take it yourself."""
    args = command.args
    if command.name == "ic":
        role_text, rest = COMMANDER_ROLE, args
    else:
        mention = MENTION.search(args)
        role_text = (args[: mention.start()] if mention else args).strip()
        rest = args[mention.start() :] if mention else ""
    role = ctx.policy.find_role(role_text) if role_text else None
    if role is None:
        names = ", ".join(f"{r.key} ({r.name})" for r in ctx.policy.roles)
        return notice(ctx, f"Which role? Write `/incident role <role> @person`; roles: {names}.")
    mention = MENTION.search(rest)
    if rest.strip() and mention is None:
        return notice(
            ctx, "Mention the person with @ so Slack turns it into a mention, e.g. `/incident ic @dana`."
        )
    incident = incident_here(ctx, command)
    if incident is None:
        return not_an_incident_channel(ctx, command.name)
    user = mention.group(1) if mention else None
    return change_role(ctx, incident.id, role.key, command.user_id, user=user)


def take(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    ctx = bot(context)

    def save() -> Message | None:
        incident_id, role_key = _parse_value(body["actions"][0]["value"])
        allowed_incident(ctx, incident_id, body["user"]["id"])
        return change_role(ctx, incident_id, role_key, body["user"]["id"])

    button(ctx, ack, context, save)


def release(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    ctx = bot(context)

    def save() -> Message | None:
        incident_id, role_key = _parse_value(body["actions"][0]["value"])
        allowed_incident(ctx, incident_id, body["user"]["id"])
        return change_role(ctx, incident_id, role_key, body["user"]["id"], release=True)

    button(ctx, ack, context, save)


def assign(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    ctx = bot(context)
    action = body["actions"][0]
    user = action.get("selected_user")

    def save() -> Message | None:
        incident_id, role_key = _parse_value(str(action["block_id"]).removeprefix("role:"))
        allowed_incident(ctx, incident_id, body["user"]["id"])
        return change_role(ctx, incident_id, role_key, body["user"]["id"], user=user) if user else None

    button(ctx, ack, context, save)
