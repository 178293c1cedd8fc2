"""Rendering an owed message when it is sent: the template for its name, with what the database
holds now (so an edit, or a post delayed by a Slack outage, shows the latest state)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.config.policy import Role
from bot.db.models import OPEN, ActionItem, Incident, StatusUpdate, TimelineEvent
from bot.durations import humanize_duration
from bot.incidents import effects, status_page, updates
from bot.incidents.escalation import Notice
from bot.insights import drill_score
from bot.rendering import Message
from bot.slack import announcements, lines
from bot.slack.context import SlackContext
from bot.slack.presenters import facts, ticket_links
from bot.text import escape_mrkdwn


class Gone(Exception):
    """What the message was about is gone (deleted with its incident): nothing to send."""


class Unknown(Exception):
    """A message this version has no renderer for: a newer release owed it."""


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


def _role_change(ctx: SlackContext, event: TimelineEvent, data: dict[str, Any]) -> ShownRoleChange:
    d = event.details or {}
    role = ctx.policy.find_role(str(d.get("role"))) or Role(key=str(d.get("role")), name=str(d.get("role")))
    outcome = {"role_assigned": "assigned", "role_handed_over": "handed_over"}.get(event.kind, "released")
    return ShownRoleChange(role, outcome, d.get("user"), d.get("previous"), event.actor, data.get("warning"))


Renderer = Callable[[SlackContext, Session, Incident, dict[str, Any]], Message]


def _announcement(ctx: SlackContext, session: Session, incident: Incident, data: dict[str, Any]) -> Message:
    # leadership watches: its copy shows the roles without buttons (the incident channel works)
    return announcements.announcement(ctx, incident, buttons=data.get("place") != effects.LEADERSHIP)


def _private_notice(ctx: SlackContext, session: Session, incident: Incident, data: dict[str, Any]) -> Message:
    ended = incident.status not in OPEN
    return ctx.render.message("private_notice", i=facts(ctx.policy, incident, ctx.clock()), ended=ended)


def _update(ctx: SlackContext, session: Session, incident: Incident, data: dict[str, Any]) -> Message:
    update = session.get(StatusUpdate, int(data["update_id"]))
    if update is None:
        raise Gone(f"update {data['update_id']}")
    i = facts(ctx.policy, incident, ctx.clock())
    return ctx.render.message("update", i=i, u=update, changed_from=data.get("changed_from"))


def _change(ctx: SlackContext, session: Session, incident: Incident, data: dict[str, Any]) -> Message:
    event = _event(session, data)
    line, reason = lines.describe(ctx.policy, incident, event)
    return ctx.render.message("incident_changed", line=line, reason=reason)


def _role_changed(ctx: SlackContext, session: Session, incident: Incident, data: dict[str, Any]) -> Message:
    return ctx.render.message("role_changed", change=_role_change(ctx, _event(session, data), data))


def _role_dm(name: str) -> Renderer:
    def render(ctx: SlackContext, session: Session, incident: Incident, data: dict[str, Any]) -> Message:
        change = _role_change(ctx, _event(session, data), data)
        return ctx.render.message(name, change=change, i=facts(ctx.policy, incident, ctx.clock()))

    return render


def _resolution(ctx: SlackContext, session: Session, incident: Incident, data: dict[str, Any]) -> Message:
    within = humanize_duration(ctx.policy.postmortem_due_within)
    i = facts(ctx.policy, incident, ctx.clock())
    return ctx.render.message("resolution", i=i, postmortem_within=within)


def _statuspage_draft(
    ctx: SlackContext, session: Session, incident: Incident, data: dict[str, Any]
) -> Message:
    resolved = data.get("stage") == "Resolved"
    i = facts(ctx.policy, incident, ctx.clock())
    name = "docs/statuspage_resolved.txt.j2" if resolved else "docs/statuspage_investigating.txt.j2"
    within = humanize_duration(ctx.policy.postmortem_due_within)
    draft = ctx.render.text(name, i=i, now=ctx.clock(), postmortem_within=within).strip()
    publish = ctx.settings.publishes_status_page and status_page.may_publish(incident)
    stage = data.get("stage", "Investigating")
    return ctx.render.message("statuspage_draft", i=i, draft=draft, stage=stage, publish=publish)


def _update_reminder(
    ctx: SlackContext, session: Session, incident: Incident, data: dict[str, Any]
) -> Message:
    """The reminder, saying how long the incident has gone without an update and how many
    reminders it has had since."""
    now = ctx.clock()
    i = facts(ctx.policy, incident, now)
    last = updates.latest(session, incident.id)
    since = last.at if last is not None else incident.declared_at
    count = session.scalar(
        select(func.count(TimelineEvent.id)).where(
            TimelineEvent.incident_id == incident.id,
            TimelineEvent.kind == "reminder_sent",
            TimelineEvent.at >= since,
        )
    )
    silent = humanize_duration(max(now - since, timedelta(0)))
    return ctx.render.message(
        "update_reminder",
        i=i,
        promised=_when(data.get("promised")),
        silent=silent,
        nth=max(int(count or 1), 1),
    )


def _update_reminder_closed(
    ctx: SlackContext, session: Session, incident: Incident, data: dict[str, Any]
) -> Message:
    return ctx.render.message("update_reminder_closed", i=facts(ctx.policy, incident, ctx.clock()))


def _postmortem_reminder(
    ctx: SlackContext, session: Session, incident: Incident, data: dict[str, Any]
) -> Message:
    i = facts(ctx.policy, incident, ctx.clock())
    return ctx.render.message("postmortem_reminder", i=i, due=_when(data.get("due")))


def _escalation(name: str) -> Renderer:
    def render(ctx: SlackContext, session: Session, incident: Incident, data: dict[str, Any]) -> Message:
        notice = Notice(str(data.get("tier")), [], str(data.get("reason")), bool(data.get("unacknowledged")))
        i = facts(ctx.policy, incident, ctx.clock())
        return ctx.render.message(
            name, i=i, notice=notice, mentions=lines.groups(data.get("usergroups")),
            oncall_as_of=_when(data.get("oncall_as_of")),
        )  # fmt: skip

    return render


def _follow_up(ctx: SlackContext, session: Session, incident: Incident, data: dict[str, Any]) -> Message:
    item = session.get(ActionItem, int(data["item_id"]))
    if item is None:
        raise Gone(f"action item {data['item_id']}")
    i = facts(ctx.policy, incident, ctx.clock())
    outsider = incident.is_private and not _in_channel(ctx, incident, item.owner)
    name = "private_follow_up_reminder" if outsider else "follow_up_reminder"
    ticket = ticket_links(session, incident.id).get(item.id)
    return ctx.render.message(name, a=item, i=i, overdue=bool(data.get("overdue")), ticket=ticket)


def _in_channel(ctx: SlackContext, incident: Incident, user: str | None) -> bool:
    """Whether ``user`` is in the incident's channel now (asked of Slack when the message is sent)."""
    if not user or not incident.channel_id:
        return False
    return user in ctx.outbound.members(incident.channel_id)


def _declared_reply(ctx: SlackContext, session: Session, incident: Incident, data: dict[str, Any]) -> Message:
    return ctx.render.message("declared_reply", i=facts(ctx.policy, incident, ctx.clock()), failures=[])


def _drill_inject(ctx: SlackContext, session: Session, incident: Incident, data: dict[str, Any]) -> Message:
    return ctx.render.message("drill_inject", text=str(data.get("text") or ""))


def _drill_score(ctx: SlackContext, session: Session, incident: Incident, data: dict[str, Any]) -> Message:
    i = facts(ctx.policy, incident, ctx.clock())
    return ctx.render.message(
        "drill_score", i=i, score=drill_score.score(session, ctx.policy, incident, ctx.clock())
    )


def _undelivered(ctx: SlackContext, session: Session, incident: Incident, data: dict[str, Any]) -> Message:
    """An effect that did not land, said once: what it was, who answered what, and whether the
    bot keeps trying. ``what`` comes from the adapter that describes its own effects."""
    then = "I keep retrying." if data.get("still_trying") else "I have given up on it; please do it by hand."
    answered = escape_mrkdwn(str(data.get("error") or "").replace("`", "'"), 200)
    who = str(data.get("system") or "Slack")
    line = f":warning: I could not {data.get('what')}: {who} answered `{answered}`. {then}"
    return ctx.render.message("notice", lines=[line], trusted=True)


def _alerts_resolved(
    ctx: SlackContext, session: Session, incident: Incident, data: dict[str, Any]
) -> Message:
    return ctx.render.message("alerts_resolved", i=facts(ctx.policy, incident, ctx.clock()))


def _notice(ctx: SlackContext, session: Session, incident: Incident, data: dict[str, Any]) -> Message:
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
    "update_reminder_closed": _update_reminder_closed,
    "postmortem_reminder": _postmortem_reminder,
    "escalation": _escalation("escalation"),
    "private_escalation": _escalation("private_escalation"),
    "follow_up_reminder": _follow_up,
    "declared_reply": _declared_reply,
    "notice": _notice,
    "undelivered": _undelivered,
    "alerts_resolved": _alerts_resolved,
    "drill_inject": _drill_inject,
    "drill_score": _drill_score,
}


def render(ctx: SlackContext, incident: Incident, message: str, data: dict[str, Any]) -> Message:
    """The message as it reads now (its own short read: no transaction stays open across Slack calls)."""
    renderer = RENDERERS.get(message)
    if renderer is None:
        raise Unknown(f"no message named {message!r} in this version")
    with ctx.sessions() as session:
        return renderer(ctx, session, incident, data)
