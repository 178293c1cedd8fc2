"""Alerts in the alerts channel: rendered from the database when sent, posted once, edited after."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from bot.db.engine import transaction
from bot.db.models import Alert, Incident
from bot.incidents import queries
from bot.outbox import store as outbox
from bot.rendering import Message
from bot.slack.context import SlackContext
from bot.slack.gateway import effect_metadata
from bot.slack.presenters import facts

SOURCES = {"pagerduty": "PagerDuty", "alertmanager": "Alertmanager", "generic": "alert"}


def message(ctx: SlackContext, session: Session, alert: Alert) -> Message:
    """The alert as it is now; the incidents it could be linked to are the open public ones (a
    channel message never names a private incident)."""
    now = ctx.clock()
    linked = session.get(Incident, alert.incident_id) if alert.incident_id else None
    incidents = [facts(ctx.policy, i, now) for i in queries.open_incidents(session) if not i.is_private]
    return ctx.render.message(
        "alert",
        a=alert,
        source=SOURCES.get(alert.source, alert.source),
        linked=facts(ctx.policy, linked, now) if linked else None,
        incidents=incidents,
    )


def show(ctx: SlackContext, claimed: outbox.Claimed, alert_id: int) -> dict[str, Any]:
    """Post the alert's message (looked for first when an earlier attempt may have posted it), or
    edit the one posted."""
    with ctx.sessions() as session:
        alert = session.get(Alert, alert_id)
        if alert is None:
            return {"skipped": "the alert is gone"}
        shown = message(ctx, session, alert)
        posted = (alert.post_channel, alert.post_ts)
    channel, ts = posted
    if channel and ts:
        ctx.outbound.update(channel, ts, shown)
        return {"channel": channel, "ts": ts}
    place = ctx.policy.alerts.channel
    since = claimed.created_at.timestamp() - 5
    found = ctx.outbound.find_posted(place, claimed.key, since) if claimed.in_doubt else None
    channel, ts = found or ctx.outbound.post(place, shown, metadata=effect_metadata(claimed.key))
    with transaction(ctx.sessions) as writing:
        stored = writing.get(Alert, alert_id)
        if stored is not None:
            stored.post_channel, stored.post_ts = channel, ts
    return {"channel": channel, "ts": ts}
