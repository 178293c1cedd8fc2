"""The forms (modals) the bot opens, rendered from their templates with what they need."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from bot.db.models import OPEN_STATUSES, Incident
from bot.durations import format_duration, humanize_duration, parse_duration
from bot.incidents import declare as declaring
from bot.incidents import followups, resolution, updates
from bot.slack.context import SlackContext
from bot.slack.presenters import facts
from bot.text import clean_line

DECLARE_LIMITS = {
    "title": declaring.TITLE_MAX,
    "impact": declaring.IMPACT_MAX,
    "description": declaring.DESCRIPTION_MAX,
    "service": declaring.SERVICE_MAX,
}
RESOLVE_LIMITS = {
    "summary": resolution.SUMMARY_MAX,
    "root_cause": resolution.ROOT_CAUSE_MAX,
    "fix": resolution.FIX_MAX,
}


def _incident(ctx: SlackContext, data: dict[str, Any]) -> Incident | None:
    with ctx.sessions() as session:
        return session.get(Incident, int(data["incident_id"]))


def _metadata(data: dict[str, Any], *keys: str) -> str:
    return json.dumps({k: data.get(k) for k in keys})


def declare(ctx: SlackContext, data: dict[str, Any]) -> dict[str, Any]:
    """The declare form, prefilled from what the command typed (a title) or from an alert (its
    title, a severity mapped from it, its description as the impact)."""
    return ctx.render.view(
        "declare",
        severities=ctx.policy.severities,
        default_severity=ctx.policy.find_severity(str(data.get("severity") or "")),
        title=clean_line(str(data.get("title") or "")),
        impact=str(data.get("impact") or ""),
        limits=DECLARE_LIMITS,
        fields=ctx.policy.fields,
        metadata=_metadata(data, "reply_url", "channel"),
    )


def next_update_choices(
    ctx: SlackContext, incident: Incident
) -> tuple[list[tuple[str, str]], tuple[str, str] | None]:
    """The "next update in" choices, with the severity's cadence first and chosen."""
    choices = [(c, humanize_duration(parse_duration(c))) for c in updates.NEXT_UPDATE_CHOICES]
    every: timedelta | None = updates.cadence(ctx.policy, incident)
    if every is None:
        return choices, None
    default = (format_duration(every), humanize_duration(every))
    if default[0] not in updates.NEXT_UPDATE_CHOICES:
        choices.insert(0, default)
    return choices, default


def _incident_form(ctx: SlackContext, name: str, data: dict[str, Any], **extra: Any) -> dict[str, Any] | None:
    """A form about one incident: its facts, and the incident and reply URL carried in the form."""
    incident = _incident(ctx, data)
    if incident is None:
        return None  # gone since the command
    made = {k: v(incident) if callable(v) else v for k, v in extra.items()}
    return ctx.render.view(
        name,
        i=facts(ctx.policy, incident, ctx.clock()),
        metadata=_metadata(data, "incident_id", "reply_url"),
        **made,
    )


def update(ctx: SlackContext, data: dict[str, Any]) -> dict[str, Any] | None:
    return _incident_form(
        ctx,
        "update",
        data,
        statuses=[s.value for s in OPEN_STATUSES],
        choices=lambda incident: next_update_choices(ctx, incident)[0],
        default_next=lambda incident: next_update_choices(ctx, incident)[1],
        text_max=updates.UPDATE_MAX,
        expected_max=updates.EXPECTED_MAX,
    )


def severity(ctx: SlackContext, data: dict[str, Any]) -> dict[str, Any] | None:
    return _incident_form(ctx, "severity", data, severities=ctx.policy.severities)


def resolve(ctx: SlackContext, data: dict[str, Any]) -> dict[str, Any] | None:
    return _incident_form(ctx, "resolve", data, limits=RESOLVE_LIMITS)


def action(ctx: SlackContext, data: dict[str, Any]) -> dict[str, Any] | None:
    today = ctx.clock().astimezone(ctx.policy.tz).date().isoformat()
    return _incident_form(ctx, "action", data, text_max=followups.TEXT_MAX, today=today)
