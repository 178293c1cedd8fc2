"""Prometheus Alertmanager's webhook (version 4): a group of alerts, firing and resolved mixed,
resent on its group interval while firing. Each alert is a signal; a resend of the same alert
(its fingerprint, status and start) is the same delivery."""

from __future__ import annotations

import hashlib
import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from bot.incidents.alerts import Signal
from bot.integrations.alerts.checks import Malformed
from bot.integrations.alerts.reasons import first_reason


class _Alert(BaseModel):
    model_config = ConfigDict(extra="ignore")
    status: Literal["firing", "resolved"]
    labels: dict[str, str] = {}
    annotations: dict[str, str] = {}
    startsAt: str = ""
    generatorURL: str = ""
    fingerprint: str = ""


class _Group(BaseModel):
    model_config = ConfigDict(extra="ignore")
    version: str = "4"
    status: Literal["firing", "resolved"] = "firing"
    alerts: list[_Alert]


def signals(body: Any) -> list[Signal]:
    try:
        group = _Group.model_validate(body)
    except ValidationError as exc:
        raise Malformed(first_reason(exc)) from None
    if not group.alerts:
        raise Malformed("alerts is empty")
    return [_signal(alert) for alert in group.alerts]


def _signal(alert: _Alert) -> Signal:
    fingerprint = (
        alert.fingerprint
        or hashlib.sha256(json.dumps(alert.labels, sort_keys=True).encode()).hexdigest()[:16]
    )
    title = alert.annotations.get("summary") or alert.labels.get("alertname") or "An Alertmanager alert"
    return Signal(
        source="alertmanager",
        key=fingerprint,
        delivery=f"alertmanager:{fingerprint}:{alert.status}:{alert.startsAt}",
        status=alert.status,
        event="firing" if alert.status == "firing" else "resolved",
        title=title,
        severity=alert.labels.get("severity", ""),
        service=alert.labels.get("service") or alert.labels.get("job", ""),
        url=alert.generatorURL,
        labels=alert.labels,
        details=alert.annotations.get("description", ""),
    )
