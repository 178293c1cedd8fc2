"""Paging outside Slack: PagerDuty's Events API v2, or a generic JSON webhook."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from bot.db.models import Incident
from bot.policy_escalation import Escalation, Target

PAGERDUTY_SEVERITY = {"P1": "critical", "P2": "error", "P3": "warning"}


class PageFailed(Exception):
    """The pager did not accept the event; the message says what it answered."""


def _where(url: str) -> str:
    """The host of a pager URL: its path or query may carry a token, which must not be shown."""
    return urlsplit(url).netloc or "the pager"


def _post(url: str, body: dict[str, Any], timeout: float) -> None:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as reply:
            if reply.status >= 300:
                raise PageFailed(f"{_where(url)} answered HTTP {reply.status}")
    except urllib.error.HTTPError as exc:
        raise PageFailed(f"{_where(url)} answered HTTP {exc.code}") from None
    except OSError as exc:  # URLError, timeouts
        raise PageFailed(f"{_where(url)}: {type(exc).__name__}") from None


def send(
    config: Escalation, target: Target, incident: Incident, action: str, reason: str, timeout: float = 10
) -> None:
    """Send one ``trigger`` or ``resolve`` event for the incident to the target's pager(s)."""
    summary = f"{incident.ref} ({incident.severity}) {incident.title}: {reason}"[:1024]
    if target.pagerduty_routing_key:
        event: dict[str, Any] = {
            "routing_key": target.pagerduty_routing_key,
            "event_action": action,
            "dedup_key": incident.ref,
        }
        if action == "trigger":
            event["payload"] = {
                "summary": summary,
                "source": "incident-bot",
                "severity": PAGERDUTY_SEVERITY.get(incident.severity, "info"),
                "custom_details": {"status": incident.status, "impact": incident.impact},
            }
        _post(config.pagerduty_events_url, event, timeout)
    if target.webhook_url:
        body = {
            "event": "escalation" if action == "trigger" else "resolved",
            "incident": {
                "id": incident.ref,
                "title": incident.title,
                "severity": incident.severity,
                "status": incident.status,
                "declared_at": incident.declared_at.isoformat(),
                "channel_id": incident.channel_id,
            },
            "reason": reason,
        }
        _post(target.webhook_url, body, timeout)
