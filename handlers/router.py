"""``/incident <subcommand>``: answered in the acknowledgement itself.

A subcommand that reads (help, list, status, timeline, roles, actions) answers at once; one that
changes an incident commits before the ack and says what happened; one that needs a form leaves
it to :func:`handlers.forms_open.after_ack`, which opens it right after the ack.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, BoltContext

from bot.rendering import Message
from bot.slack.context import SlackContext
from handlers import (
    actions,
    declare,
    drills,
    fields,
    insights,
    listing,
    oncall,
    resolve,
    roles,
    timeline,
    updates,
)
from handlers.common import Command, bot, saving

Run = Callable[[SlackContext, Command, BoltContext], Message | None]


@dataclass(frozen=True)
class Subcommand:
    usage: str
    summary: str
    run: Run


def help_message(ctx: SlackContext, name: str = "") -> Message:
    intro = None
    if name not in ("", "help"):
        close = difflib.get_close_matches(name.lower(), list(SUBCOMMANDS), n=1, cutoff=0.6)
        intro = f"There is no `{name}` command." + (f" Did you mean `{close[0]}`?" if close else "")
    rows = [(s.usage, s.summary) for s in SUBCOMMANDS.values()]
    return ctx.render.message("help", commands=rows, intro=intro)


def _help(ctx: SlackContext, command: Command, context: BoltContext) -> Message:
    return help_message(ctx, command.name)


SUBCOMMANDS: dict[str, Subcommand] = {
    "declare": Subcommand(
        "/incident declare [P1..P4 title]",
        "Declare an incident: opens a form, or declares at once with a severity and a title.",
        declare.declare_command,
    ),
    "list": Subcommand("/incident list", "The open incidents.", listing.list_open),
    "update": Subcommand(
        "/incident update [text]",
        "Post an update: opens a form, or posts the text at once.",
        updates.update_command,
    ),
    "status": Subcommand(
        "/incident status [status]",
        "This incident's state, or set it: Investigating, Identified, Monitoring.",
        updates.status_command,
    ),
    "severity": Subcommand(
        "/incident severity [P1..P4 reason]",
        "Change the severity (lowering it needs a reason).",
        updates.severity_command,
    ),
    "resolve": Subcommand(
        "/incident resolve",
        "Resolve: summary, root cause and fix, announced everywhere.",
        resolve.resolve_command,
    ),
    "reopen": Subcommand(
        "/incident reopen", "Back to Investigating; reminders resume.", resolve.reopen_command
    ),
    "note": Subcommand("/incident note <text>", "Add a note to the timeline.", timeline.note_command),
    "timeline": Subcommand(
        "/incident timeline",
        "The timeline, in UTC and your own time (📌 a message to add it).",
        timeline.timeline_command,
    ),
    "postmortem": Subcommand(
        "/incident postmortem",
        "Draft the postmortem from the timeline, uploaded here.",
        timeline.postmortem_command,
    ),
    "action": Subcommand(
        "/incident action [text @owner due YYYY-MM-DD]",
        "Add a follow-up (a form without text).",
        actions.action_command,
    ),
    "actions": Subcommand(
        "/incident actions", "The follow-ups: mark done or reassign.", actions.actions_command
    ),
    "roles": Subcommand(
        "/incident roles", "The roles panel: take, assign or release a role.", roles.show_panel
    ),
    "role": Subcommand(
        "/incident role <role> [@person]", "Give a role to someone (or take it yourself).", roles.role_command
    ),
    "ic": Subcommand(
        "/incident ic [@person]", "Make someone (or yourself) the Incident Commander.", roles.role_command
    ),
    "set": Subcommand(
        "/incident set <field> [value]",
        "Set one of the incident's fields (no value clears it).",
        fields.set_command,
    ),
    "stats": Subcommand(
        "/incident stats [YYYY-MM-DD | 7d]",
        "How incidents went: time to acknowledge and resolve, updates on time (default: 30 days).",
        insights.stats_command,
    ),
    "drill": Subcommand(
        "/incident drill [scenario]",
        "Rehearse: a drill incident with timed injects and a score card (no pages, no leadership).",
        drills.drill_command,
    ),
    "oncall": Subcommand(
        "/incident oncall",
        "Who PagerDuty says is on call now, for each escalation target.",
        oncall.oncall_command,
    ),
    "help": Subcommand("/incident help", "This list.", _help),
}


def incident_command(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """The ack listener of ``/incident``: every subcommand answers here."""
    ctx = bot(context)
    command = Command.parse(body)
    subcommand = SUBCOMMANDS.get(command.name)
    run = subcommand.run if subcommand else _help
    saving(ctx, ack, lambda: run(ctx, command, context))
