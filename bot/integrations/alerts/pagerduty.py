"""PagerDuty Webhooks v3: ``{"event": {"id", "event_type", "data": {"id", "title", "status",
"urgency", "html_url", "service", "priority", …}}}``. Incident events become signals; other event
types (an annotation, a service change) are taken and ignored."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from bot.incidents.alerts import Signal
from bot.integrations.alerts.checks import Malformed
from bot.integrations.alerts.reasons import first_reason

STATUS = {"triggered": "firing", "reopened": "firing", "acknowledged": "acknowledged", "resolved": "resolved"}
EVENTS = ("triggered", "acknowledged", "resolved", "reopened", "priority_updated")


class _Named(BaseModel):
    model_config = ConfigDict(extra="ignore")
    summary: str = ""


class _Data(BaseModel):
    model_config = ConfigDict(extra="ignore")
    id: str
    title: str = ""
    status: str = "triggered"
    urgency: str = ""
    html_url: str = ""
    service: _Named | None = None
    priority: _Named | None = None
    description: str = ""


class _Event(BaseModel):
    model_config = ConfigDict(extra="ignore")
    id: str
    event_type: str
    data: dict[str, Any]


class _Body(BaseModel):
    model_config = ConfigDict(extra="ignore")
    event: _Event


def signals(body: Any) -> list[Signal]:
    try:
        event = _Body.model_validate(body).event
    except ValidationError as exc:
        raise Malformed(first_reason(exc)) from None
    kind, _, name = event.event_type.partition(".")
    if kind != "incident" or name not in EVENTS:
        return []  # taken, and nothing to do with it
    try:
        data = _Data.model_validate(event.data)
    except ValidationError as exc:
        raise Malformed(first_reason(exc, "event.data")) from None
    status = STATUS.get(name) or STATUS.get(data.status, "firing")
    return [
        Signal(
            source="pagerduty",
            key=data.id,
            delivery=f"pagerduty:{event.id}",
            status=status,  # type: ignore[arg-type]
            event=name,
            title=data.title,
            urgency=data.urgency,
            severity=data.priority.summary if data.priority else "",
            service=data.service.summary if data.service else "",
            url=data.html_url,
            details=data.description,
        )
    ]
