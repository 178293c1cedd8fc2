"""Role buttons (take, release, assign) and ``/incident roles``, ``/incident role``, ``/incident ic``."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot.context import Context
from bot.incidents import roles
from bot.incidents.roles import Outcome, Refusal, RoleChange
from bot.policy import COMMANDER_ROLE
from bot.slack import role_changes
from bot.slack.presenters import facts
from bot.text import MENTION
from handlers.common import (
    BadPayload,
    Command,
    incident_here,
    notice,
    number,
    report_failures,
    reporting,
    tell,
    trusted_notice,
)


def change_role(
    ctx: Context,
    incident_id: int,
    role_key: str,
    actor: str,
    reply_url: str | None,
    *,
    user: str | None = None,
    release: bool = False,
) -> None:
    """Take (``user`` None), assign (``user`` given) or release a role, then tell Slack."""
    if role_key not in {r.key for r in ctx.policy.roles}:
        raise BadPayload(f"no role {role_key!r} in the policy")
    try:
        if release:
            change = roles.release(
                ctx.sessions,
                ctx.policy,
                incident_id,
                role_key,
                actor,
                ctx.clock(),
                is_admin=_admin(ctx, actor),
            )
        else:
            target = user or actor
            problem = ctx.people.why_not_assignable(target)
            if problem:
                tell(ctx, reply_url, actor, trusted_notice(ctx, problem, "Nothing was changed."))
                return
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
    except Refusal as refusal:
        tell(ctx, reply_url, actor, trusted_notice(ctx, str(refusal)))
        return
    _after(ctx, change, reply_url)


def _admin(ctx: Context, actor: str) -> bool:
    """Admins, or everyone when the policy lets anyone reassign roles."""
    return ctx.policy.permissions.reassign_roles == "anyone" or ctx.people.is_admin(actor)


def _after(ctx: Context, change: RoleChange, reply_url: str | None) -> None:
    if change.outcome is Outcome.UNCHANGED:
        return  # a double click or a repeat: nothing changed, nothing is posted
    steps = role_changes.announce(ctx, change)
    warnings = [f":warning: {change.warning}"] if change.warning else []
    report_failures(ctx, steps, reply_url, change.actor, *warnings)


def _parse_value(value: str) -> tuple[int, str]:
    incident_id, _, role_key = value.partition(":")
    return number(incident_id), role_key


def show_panel(ctx: Context, command: Command) -> None:
    incident = incident_here(ctx, command)
    if incident is None:
        return
    panel = ctx.render.message("roles_panel", i=facts(ctx.policy, incident, ctx.clock()))
    ctx.slack.reply(command.response_url, panel)


def role_command(ctx: Context, command: Command) -> None:
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
        ctx.slack.reply(
            command.response_url,
            notice(ctx, f"Which role? Write `/incident role <role> @person`; roles: {names}."),
        )
        return
    mention = MENTION.search(rest)
    if rest.strip() and mention is None:
        ctx.slack.reply(
            command.response_url,
            notice(
                ctx, "Mention the person with @ so Slack turns it into a mention, e.g. `/incident ic @dana`."
            ),
        )
        return
    incident = incident_here(ctx, command)
    if incident is None:
        return
    user = mention.group(1) if mention else None
    change_role(ctx, incident.id, role.key, command.user_id, command.response_url, user=user)


def register(app: App, ctx: Context) -> None:
    def ack_now(ack: Ack) -> None:
        ack()

    @reporting(ctx, "taking the role")
    def take(body: dict[str, Any]) -> None:
        incident_id, role_key = _parse_value(body["actions"][0]["value"])
        change_role(ctx, incident_id, role_key, body["user"]["id"], body.get("response_url"))

    @reporting(ctx, "releasing the role")
    def release(body: dict[str, Any]) -> None:
        incident_id, role_key = _parse_value(body["actions"][0]["value"])
        change_role(ctx, incident_id, role_key, body["user"]["id"], body.get("response_url"), release=True)

    @reporting(ctx, "assigning the role")
    def assign(body: dict[str, Any]) -> None:
        action = body["actions"][0]
        incident_id, role_key = _parse_value(str(action["block_id"]).removeprefix("role:"))
        user = action.get("selected_user")
        if user:
            change_role(ctx, incident_id, role_key, body["user"]["id"], body.get("response_url"), user=user)

    app.action("role_take")(ack=ack_now, lazy=[take])
    app.action("role_release")(ack=ack_now, lazy=[release])
    app.action("role_assign")(ack=ack_now, lazy=[assign])
