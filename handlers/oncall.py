"""``/incident oncall``: who PagerDuty says is on call now, for each escalation target backed by it.

Asking PagerDuty may take longer than an acknowledgement may: the answer follows through the
response URL."""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext

from bot.rendering import Message
from bot.slack.context import SlackContext
from handlers.common import Command, notice, then


def oncall_command(ctx: SlackContext, command: Command, context: BoltContext) -> Message | None:
    targets = [name for name, target in ctx.policy.escalation.targets.items() if target.oncall]
    if not targets:
        return notice(
            ctx,
            "No escalation target asks PagerDuty who is on call: name a pagerduty_schedule or "
            "pagerduty_escalation_policy in a target (docs/configuration.md).",
        )
    if not ctx.oncall.enabled:
        return notice(ctx, "PAGERDUTY_API_TOKEN is not set: the bot cannot ask PagerDuty who is on call.")
    then(context, oncall=True)
    return None


def oncall_message(ctx: SlackContext) -> Message:
    """Who is on call now for each PagerDuty-backed target (sent right after the ack)."""
    rows: list[dict[str, Any]] = []
    for name, target in ctx.policy.escalation.targets.items():
        if not target.oncall:
            continue
        found = ctx.oncall.who(target)
        rows.append(
            {
                "name": name,
                "people": " ".join(f"<@{u}>" for u in found.slack_users),
                "unknown": found.unknown,
                "as_of": found.as_of,
                "stale": found.stale,
                "error": found.error,
            }
        )
    return ctx.render.message("oncall", targets=rows)
