"""The Slack side of an escalation. Firing a tier owes one delivery per recipient (a DM, a channel
post, the line in the incident channel); each is a row of scheduled work, sent and retried on
its own, so a Slack failure delays one message and loses none, and a retry repeats none."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from bot import work
from bot.context import Context
from bot.db.models import Incident
from bot.incidents.escalation import Notice
from bot.slack.presenters import facts

# While the incident's channel is still being made, deliveries wait for it this long at most.
WAIT_FOR_CHANNEL = timedelta(minutes=2)


def _reached(notice: Notice) -> str:
    parts = []
    for name, target in notice.targets:
        people = [f"<@{u}>" for u in target.users] + [f"<!subteam^{g}>" for g in target.usergroups]
        people += [f"<#{c}>" if c[:1] in "CG" and c.isupper() else f"#{c}" for c in target.channels]
        if target.pages:
            people.append("paged")
        parts.append(f"{name} ({', '.join(people)})")
    return "; ".join(parts)


def owe(session: Session, incident: Incident, notice: Notice, now: datetime) -> None:
    """Schedule every delivery of a fired tier (in the transaction that records it as fired)."""
    common: dict[str, Any] = {
        "reason": notice.reason,
        "unacknowledged": notice.unacknowledged,
        "since": now.isoformat(),
    }
    for name, target in notice.targets:
        mentions = " ".join(f"<!subteam^{g}>" for g in target.usergroups)
        for user in target.users:
            key = f"{notice.key}|dm|{user}"
            work.schedule(session, incident.id, work.NOTIFY, now, key=key, mentions=mentions, **common)
        for channel in target.channels:
            key = f"{notice.key}|post|{channel}"
            work.schedule(session, incident.id, work.NOTIFY, now, key=key, mentions=mentions, **common)
        if target.pages:
            work.schedule(session, incident.id, work.PAGE, now, key=f"{name}:trigger", reason=notice.reason)
    line = f"{notice.reason}: escalated to {_reached(notice)}."
    work.schedule(session, incident.id, work.NOTIFY, now, key=f"{notice.key}|line|", line=line, **common)


def deliver(ctx: Context, claimed: work.Claimed) -> datetime | None:
    """Send one owed delivery. Raises on a Slack failure, so the scheduler retries it later."""
    with ctx.sessions() as session:
        incident = session.get(Incident, claimed.incident_id)
    if incident is None:
        return None
    details = claimed.details
    tier, kind, recipient = [*claimed.key.split("|"), "", ""][:3]
    now = ctx.clock()
    if incident.channel_id is None and now < datetime.fromisoformat(details["since"]) + WAIT_FOR_CHANNEL:
        return now + timedelta(seconds=2)  # its channel is being made: link it, and post the line in it
    notice = Notice(tier, [], str(details.get("reason")), bool(details.get("unacknowledged")))
    i = facts(ctx.policy, incident, now)
    if kind == "line":
        if incident.channel_id:
            line = ctx.render.message("incident_changed", line=str(details.get("line")), reason="")
            ctx.slack.post(incident.channel_id, line)
        return None
    message = ctx.render.message(
        "escalation", i=i, notice=notice, mentions=str(details.get("mentions") or "")
    )
    if kind == "dm":
        ctx.slack.dm(recipient, message)
    elif kind == "post":
        # a private incident's details go to people, never to channels
        if incident.is_private:
            message = ctx.render.message("private_notice", i=i, ended=False)
        ctx.slack.post(recipient, message)
    return None
