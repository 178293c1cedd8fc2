"""``/incident drill [scenario]``: start a rehearsal, or list the scenarios there are."""

from __future__ import annotations

from slack_bolt import BoltContext

from bot.durations import humanize_duration
from bot.incidents import drills as drilling
from bot.incidents import scenarios as drills
from bot.rendering import Message
from bot.slack.context import SlackContext
from bot.text import decode_slack_text
from handlers.common import Command, notice


def drill_command(ctx: SlackContext, command: Command, context: BoltContext) -> Message:
    name = decode_slack_text(command.args).strip()
    try:
        known = drills.scenarios(ctx.policy)
        if not name:
            listed = [f"{s.key}: {s.title} ({s.severity})" for s in known.values()]
            return notice(ctx, "Run a drill with /incident drill <scenario>. The scenarios:", *listed)
        scenario = drills.find(ctx.policy, name)
    except drills.ScenarioError as problem:
        return notice(ctx, f"A drill scenario cannot be read: {problem}")
    incident, _ = drilling.start(
        ctx.sessions,
        ctx.policy,
        scenario,
        command.user_id,
        ctx.clock(),
        source_key=f"command:{command.trigger_id}" if command.trigger_id else None,
        reply_url=command.response_url,
    )
    last = max((i.after for i in scenario.injects), default=None)
    over = f" over the next {humanize_duration(last)}" if last else ""
    return notice(
        ctx,
        f"🧪 Drill {incident.ref} started: {scenario.title} ({scenario.severity}).",
        f"It is marked DRILL everywhere, pages nobody and tells no leadership; "
        f"{len(scenario.injects)} injects will come in its channel{over}.",
        "Take the roles, post updates, resolve it: the score card follows.",
    )
