"""``/incident set <field> <value>`` and ``/incident stats [since]``."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext

from bot.context import Context
from bot.db.engine import transaction
from bot.errors import InputError
from bot.incidents import effects, fields
from bot.insights.history import parse_since
from bot.rendering import Message
from bot.slack.insights_views import stats_message
from bot.text import MENTION, decode_slack_text
from handlers.common import Command, bot, incident_here, not_an_incident_channel, notice


def set_command(ctx: Context, command: Command, context: BoltContext) -> Message | None:
    """Set one custom field: ``set platform AWS``, ``set owner @dana``, ``set services`` (clears it)."""
    incident = incident_here(ctx, command.channel_id)
    if incident is None:
        return not_an_incident_channel(ctx, command.name)
    name, _, rest = command.args.partition(" ")
    if not name:
        names = fields.field_names(ctx.policy)
        raise InputError(
            {"field": f"Which field? Write `/incident set <field> <value>`; the fields are {names}."}
        )
    field = fields.find(ctx.policy, decode_slack_text(name))
    value: str = decode_slack_text(rest)
    if field.type == "user" and rest.strip():
        mention = MENTION.search(rest)
        if mention is None:
            example = f"`/incident set {field.key} @dana`"
            raise InputError(
                {field.key: f"{field.label} takes a person: mention them with @, e.g. {example}."}
            )
        value = mention.group(1)
    change = fields.set_field(
        ctx.sessions, ctx.policy, incident.id, field.key, value, command.user_id, ctx.clock()
    )
    if change is None:
        return notice(ctx, f"{field.label} is already {fields.display(value) or 'empty'}.")
    return None  # the line in the channel says it


def stats_command(ctx: Context, command: Command, context: BoltContext) -> Message:
    now = ctx.clock()
    since = parse_since(decode_slack_text(command.args), now, ctx.policy.tz)
    with ctx.sessions() as session:
        return stats_message(ctx.render, ctx.policy, session, now, since)


def home_opened(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """Someone opened the bot's Home tab: show them the open incidents (and keep it current)."""
    ctx = bot(context)
    event = body["event"]
    if event.get("tab") == "home" and event.get("user"):
        with transaction(ctx.sessions) as session:
            effects.show_overview(session, str(event["user"]), ctx.clock())
    ack()
