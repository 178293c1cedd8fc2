"""Paging outside Slack: PagerDuty's Events API v2, or a generic JSON webhook."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from bot.config.escalation import Target
from bot.config.policy import Policy
from bot.db.models import Incident

# PagerDuty's four severities, given to the policy's severities in their order (most severe first).
PAGERDUTY_SEVERITIES = ("critical", "error", "warning", "info")


class PageFailed(Exception):
    """The pager did not accept the event; the message says what it answered. ``for_good``: it
    refused the event itself (a 4xx other than 408 and 429), so sending it again cannot help."""

    def __init__(self, message: str, for_good: bool = False) -> None:
        super().__init__(message)
        self.for_good = for_good


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
        refused = 400 <= exc.code < 500 and exc.code not in (408, 429)
        raise PageFailed(f"{_where(url)} answered HTTP {exc.code}", for_good=refused) from None
    except OSError as exc:  # URLError, timeouts
        raise PageFailed(f"{_where(url)}: {type(exc).__name__}") from None


def pagerduty_severity(policy: Policy, severity: str) -> str:
    """The PagerDuty severity of one of the policy's severities, by its rank in the policy."""
    keys = policy.severity_keys
    rank = keys.index(severity) if severity in keys else len(PAGERDUTY_SEVERITIES) - 1
    return PAGERDUTY_SEVERITIES[min(rank, len(PAGERDUTY_SEVERITIES) - 1)]


def send(
    policy: Policy,
    target: Target,
    incident: Incident,
    action: str,
    reason: str,
    key: str = "",
    timeout: float = 10,
) -> None:
    """Send one ``trigger`` or ``resolve`` event for the incident to the target's pager(s).

    A private incident's title and impact never leave Slack: the pager hears its number, severity
    and the reason only.
    """
    title = "a private incident" if incident.is_private else incident.title
    summary = f"{incident.ref} ({incident.severity}) {title}: {reason}"[:1024]
    details = {"status": incident.status}
    if not incident.is_private:
        details["impact"] = incident.impact
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
                "severity": pagerduty_severity(policy, incident.severity),
                "custom_details": details,
            }
        _post(policy.escalation.pagerduty_events_url, event, timeout)
    if target.webhook_url:
        body = {
            "event": "escalation" if action == "trigger" else "resolved",
            "incident": {
                "id": incident.ref,
                "title": title,
                "private": incident.is_private,
                "severity": incident.severity,
                "status": incident.status,
                "declared_at": incident.declared_at.isoformat(),
                "channel_id": incident.channel_id,
            },
            "reason": reason,
            "idempotency_key": key,  # the same for a resend after a crash: a receiver may drop repeats
        }
        _post(target.webhook_url, body, timeout)
