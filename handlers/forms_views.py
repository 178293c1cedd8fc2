"""The forms (modals) the bot opens, rendered from their templates with what they need."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from bot.db.models import OPEN, OPEN_STATUSES, Incident
from bot.durations import format_duration, humanize_duration, parse_duration
from bot.incidents import declare as declaring
from bot.incidents import followups, resolution, status_page, updates
from bot.slack.context import SlackContext
from bot.slack.presenters import facts
from bot.text import clean_line


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
        limits=declaring.LIMITS,
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
    return _incident_form(ctx, "resolve", data, limits=resolution.LIMITS)


def action(ctx: SlackContext, data: dict[str, Any]) -> dict[str, Any] | None:
    today = ctx.people.today(str(data.get("user") or ""), ctx.clock(), ctx.policy.tz).isoformat()
    return _incident_form(ctx, "action", data, text_max=followups.TEXT_MAX, today=today)


SHOWN_COMPONENTS = 40  # a modal holds 100 blocks
DRAFT_FIELDS = ("title:", "status:")


def split_draft(draft: str) -> tuple[str, str]:
    """(title, message) from a status page draft: its leading Title and Status lines, the rest."""
    lines, title = draft.strip().splitlines(), ""
    while lines and (not lines[0].strip() or lines[0].lower().startswith(DRAFT_FIELDS)):
        line = lines.pop(0)
        if line.lower().startswith("title:"):
            title = line.partition(":")[2].strip()
    return title, "\n".join(lines).strip()


def _impact(component: str, now: str, last: status_page.Publication | None, ended: bool) -> str:
    """What the form offers for a component: what this incident set it to (operational again once it
    is resolved), else its status on the page now (another incident's outage is not reset)."""
    if last is not None and component in last.components:
        return "operational" if ended else last.components[component]
    return now if now in status_page.IMPACTS else "operational"


def statuspage(ctx: SlackContext, data: dict[str, Any]) -> dict[str, Any] | None:
    """The publish form: its title from the last publication (or the draft the first time), its
    message from the draft of the incident's stage; the page's components with their impact."""
    incident = _incident(ctx, data)
    if incident is None:
        return None
    with ctx.sessions() as session:
        last = status_page.last(session, incident.id)
    ended = incident.status not in OPEN
    i = facts(ctx.policy, incident, ctx.clock())
    stage = "resolved" if ended else "investigating"
    within = humanize_duration(ctx.policy.postmortem_due_within)
    draft = ctx.render.text(f"docs/statuspage_{stage}.txt.j2", i=i, now=ctx.clock(), postmortem_within=within)
    title, body = split_draft(draft)
    status = "resolved" if ended else incident.status.lower()
    listed = ctx.status_page.listed() if ctx.status_page else None
    components = [(c.id, c.name, _impact(c.id, c.status, last, ended)) for c in listed or []]
    note = None
    if listed is None:
        note = "The page's components could not be read just now: this publication leaves them as they are."
        if ended and last and last.components:
            note = (
                "The components could not be read just now; those this incident set go back to operational."
            )
    elif ended and last and last.components:
        note = "Resolved: the components this incident set go back to operational."
    elif len(components) > SHOWN_COMPONENTS:
        note = f"The first {SHOWN_COMPONENTS} of the page's {len(components)} components are shown."
    return ctx.render.view(
        "statuspage", i=i, title=(last.name if last else title) or incident.title, status=status,
        body=body, statuses=list(status_page.STATUSES.items()),
        impacts=list(status_page.IMPACTS.items()),
        components=components, shown_components=SHOWN_COMPONENTS, note=note,
        limits={"name": status_page.NAME_MAX, "body": status_page.BODY_MAX},
        metadata=_metadata(data, "incident_id", "reply_url"),
    )  # fmt: skip
