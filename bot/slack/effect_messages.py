"""Rendering an owed message when it is sent: the template for its name, with what the database
holds now (so an edit, or a post delayed by a Slack outage, shows the latest state)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.config.policy import Role
from bot.context import Context
from bot.db.models import OPEN, ActionItem, Incident, StatusUpdate, TimelineEvent
from bot.durations import humanize_duration
from bot.incidents.escalation import Notice
from bot.insights import drill_score
from bot.rendering import Message
from bot.slack import announcements, lines
from bot.slack.presenters import facts


class Gone(Exception):
    """What the message was about is gone (deleted with its incident): nothing to send."""


@dataclass(frozen=True)
class ShownRoleChange:
    """A role change as the role templates show it."""

    role: Role
    outcome: str
    user: str | None
    previous: str | None
    actor: str | None
    warning: str | None


def _when(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) and value else None


def _event(session: Session, data: dict[str, Any]) -> TimelineEvent:
    event = session.get(TimelineEvent, int(data["event_id"]))
    if event is None:
        raise Gone(f"timeline event {data['event_id']}")
    return event


def _role_change(ctx: Context, event: TimelineEvent, data: dict[str, Any]) -> ShownRoleChange:
    d = event.details or {}
    role = ctx.policy.find_role(str(d.get("role"))) or Role(key=str(d.get("role")), name=str(d.get("role")))
    outcome = {"role_assigned": "assigned", "role_handed_over": "handed_over"}.get(event.kind, "released")
    return ShownRoleChange(role, outcome, d.get("user"), d.get("previous"), event.actor, data.get("warning"))


Renderer = Callable[[Context, Session, Incident, dict[str, Any]], Message]


def _announcement(ctx: Context, session: Session, incident: Incident, data: dict[str, Any]) -> Message:
    return announcements.announcement(ctx, incident)


def _private_notice(ctx: Context, session: Session, incident: Incident, data: dict[str, Any]) -> Message:
    ended = incident.status not in OPEN
    return ctx.render.message("private_notice", i=facts(ctx.policy, incident, ctx.clock()), ended=ended)


def _update(ctx: Context, session: Session, incident: Incident, data: dict[str, Any]) -> Message:
    update = session.get(StatusUpdate, int(data["update_id"]))
    if update is None:
        raise Gone(f"update {data['update_id']}")
    i = facts(ctx.policy, incident, ctx.clock())
    return ctx.render.message("update", i=i, u=update, changed_from=data.get("changed_from"))


def _change(ctx: Context, session: Session, incident: Incident, data: dict[str, Any]) -> Message:
    event = _event(session, data)
    line, reason = lines.describe(ctx.policy, incident, event)
    return ctx.render.message("incident_changed", line=line, reason=reason)


def _role_changed(ctx: Context, session: Session, incident: Incident, data: dict[str, Any]) -> Message:
    return ctx.render.message("role_changed", change=_role_change(ctx, _event(session, data), data))


def _role_dm(name: str) -> Renderer:
    def render(ctx: Context, session: Session, incident: Incident, data: dict[str, Any]) -> Message:
        change = _role_change(ctx, _event(session, data), data)
        return ctx.render.message(name, change=change, i=facts(ctx.policy, incident, ctx.clock()))

    return render


def _resolution(ctx: Context, session: Session, incident: Incident, data: dict[str, Any]) -> Message:
    within = humanize_duration(ctx.policy.postmortem_due_within)
    i = facts(ctx.policy, incident, ctx.clock())
    return ctx.render.message("resolution", i=i, postmortem_within=within)


def _statuspage_draft(ctx: Context, session: Session, incident: Incident, data: dict[str, Any]) -> Message:
    resolved = data.get("stage") == "Resolved"
    i = facts(ctx.policy, incident, ctx.clock())
    name = "docs/statuspage_resolved.txt.j2" if resolved else "docs/statuspage_investigating.txt.j2"
    within = humanize_duration(ctx.policy.postmortem_due_within)
    draft = ctx.render.text(name, i=i, now=ctx.clock(), postmortem_within=within).strip()
    return ctx.render.message("statuspage_draft", i=i, draft=draft, stage=data.get("stage", "Investigating"))


def _update_reminder(ctx: Context, session: Session, incident: Incident, data: dict[str, Any]) -> Message:
    i = facts(ctx.policy, incident, ctx.clock())
    return ctx.render.message("update_reminder", i=i, promised=_when(data.get("promised")))


def _postmortem_reminder(ctx: Context, session: Session, incident: Incident, data: dict[str, Any]) -> Message:
    i = facts(ctx.policy, incident, ctx.clock())
    return ctx.render.message("postmortem_reminder", i=i, due=_when(data.get("due")))


def _escalation(name: str) -> Renderer:
    def render(ctx: Context, session: Session, incident: Incident, data: dict[str, Any]) -> Message:
        notice = Notice(str(data.get("tier")), [], str(data.get("reason")), bool(data.get("unacknowledged")))
        i = facts(ctx.policy, incident, ctx.clock())
        return ctx.render.message(name, i=i, notice=notice, mentions=lines.groups(data.get("usergroups")))

    return render


def _follow_up(ctx: Context, session: Session, incident: Incident, data: dict[str, Any]) -> Message:
    item = session.get(ActionItem, int(data["item_id"]))
    if item is None:
        raise Gone(f"action item {data['item_id']}")
    i = facts(ctx.policy, incident, ctx.clock())
    outsider = incident.is_private and not _in_channel(ctx, incident, item.owner)
    name = "private_follow_up_reminder" if outsider else "follow_up_reminder"
    return ctx.render.message(name, a=item, i=i, overdue=bool(data.get("overdue")))


def _in_channel(ctx: Context, incident: Incident, user: str | None) -> bool:
    """Whether ``user`` is in the incident's channel now (asked of Slack when the message is sent)."""
    if not user or not incident.channel_id:
        return False
    return user in ctx.outbound.members(incident.channel_id)


def _declared_reply(ctx: Context, session: Session, incident: Incident, data: dict[str, Any]) -> Message:
    return ctx.render.message("declared_reply", i=facts(ctx.policy, incident, ctx.clock()), failures=[])


def _drill_inject(ctx: Context, session: Session, incident: Incident, data: dict[str, Any]) -> Message:
    return ctx.render.message("drill_inject", text=str(data.get("text") or ""))


def _drill_score(ctx: Context, session: Session, incident: Incident, data: dict[str, Any]) -> Message:
    i = facts(ctx.policy, incident, ctx.clock())
    return ctx.render.message(
        "drill_score", i=i, score=drill_score.score(session, ctx.policy, incident, ctx.clock())
    )


def _notice(ctx: Context, session: Session, incident: Incident, data: dict[str, Any]) -> Message:
    return ctx.render.message(
        "notice", lines=list(data.get("lines") or []), trusted=bool(data.get("trusted"))
    )


RENDERERS: dict[str, Renderer] = {
    "announcement": _announcement,
    "private_notice": _private_notice,
    "update": _update,
    "change": _change,
    "role_changed": _role_changed,
    "role_dm": _role_dm("role_dm"),
    "role_lost_dm": _role_dm("role_lost_dm"),
    "resolution": _resolution,
    "statuspage_draft": _statuspage_draft,
    "update_reminder": _update_reminder,
    "postmortem_reminder": _postmortem_reminder,
    "escalation": _escalation("escalation"),
    "private_escalation": _escalation("private_escalation"),
    "follow_up_reminder": _follow_up,
    "declared_reply": _declared_reply,
    "notice": _notice,
    "drill_inject": _drill_inject,
    "drill_score": _drill_score,
}


def render(ctx: Context, incident: Incident, message: str, data: dict[str, Any]) -> Message:
    """The message as it reads now (its own short read: no transaction stays open across Slack calls)."""
    renderer = RENDERERS.get(message)
    if renderer is None:
        raise Gone(f"no message named {message!r}")
    with ctx.sessions() as session:
        return renderer(ctx, session, incident, data)
