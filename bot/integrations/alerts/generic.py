"""A generic alert: ``{"title", "status": "firing"|"resolved", "dedup_key", "severity"?, "source"?,
"url"?, "details"?, "event_id"?}`` (CloudWatch through SNS, Grafana, Datadog, a script). Each
delivery counts; give ``event_id`` to make a sender's retries of one delivery count once."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.incidents.alerts import Signal
from bot.integrations.alerts.checks import Malformed
from bot.integrations.alerts.reasons import first_reason


class _Generic(BaseModel):
    model_config = ConfigDict(extra="ignore")
    title: str = Field(min_length=1)
    status: Literal["firing", "resolved"]
    dedup_key: str = Field(min_length=1, max_length=200)
    severity: str = ""
    source: str = ""
    url: str = ""
    details: str | dict[str, Any] = ""
    event_id: str = ""


def signals(body: Any) -> list[Signal]:
    try:
        alert = _Generic.model_validate(body)
    except ValidationError as exc:
        raise Malformed(first_reason(exc)) from None
    details = (
        alert.details
        if isinstance(alert.details, str)
        else "\n".join(f"{k}: {v}" for k, v in alert.details.items())
    )
    return [
        Signal(
            source="generic",
            key=alert.dedup_key,
            delivery=f"generic:{alert.event_id or uuid.uuid4().hex}",
            status=alert.status,
            event=alert.status,
            title=alert.title,
            severity=alert.severity,
            service=alert.source,
            url=alert.url,
            details=details,
        )
    ]
