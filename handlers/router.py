"""``/incident <subcommand>``: acknowledge at once, then run the subcommand after the ack."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App

from bot.context import Context
from handlers import actions, declare, listing, resolve, roles, timeline, updates
from handlers.common import Command, reporting

Run = Callable[[Context, Command], None]


@dataclass(frozen=True)
class Subcommand:
    usage: str
    summary: str
    run: Run


def _help(ctx: Context, command: Command) -> None:
    intro = None
    if command.name not in ("", "help"):
        intro = f"There is no `{command.name}` command."
    rows = [(s.usage, s.summary) for s in SUBCOMMANDS.values()]
    ctx.slack.reply(command.response_url, ctx.render.message("help", commands=rows, intro=intro))


SUBCOMMANDS: dict[str, Subcommand] = {
    "declare": Subcommand(
        "/incident declare [P1..P4 title]",
        "Declare an incident: opens a form, or declares at once with a severity and a title.",
        declare.run_command,
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
    "help": Subcommand("/incident help", "This list.", _help),
}


def register(app: App, ctx: Context) -> None:
    def ack_command(ack: Ack) -> None:
        ack()

    @reporting(ctx, "the /incident command")
    def run(body: dict[str, Any]) -> None:
        command = Command.parse(body)
        subcommand = SUBCOMMANDS.get(command.name)
        (subcommand.run if subcommand else _help)(ctx, command)

    app.command("/incident")(ack=ack_command, lazy=[run])
