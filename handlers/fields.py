"""``/incident set <field> <value>``: one custom field of the incident."""

from __future__ import annotations

from slack_bolt import BoltContext

from bot.errors import InputError
from bot.incidents import fields
from bot.rendering import Message
from bot.slack.context import SlackContext
from bot.text import MENTION, decode_slack_text
from handlers.common import Command, incident_here, not_an_incident_channel, notice


def set_command(ctx: SlackContext, command: Command, context: BoltContext) -> Message | None:
    """Set one custom field: ``set platform AWS``, ``set owner @dana``, ``set services`` (clears it)."""
    incident = incident_here(ctx, command)
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
