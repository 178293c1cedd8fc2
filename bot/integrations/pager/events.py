"""What each pager is sent: a PagerDuty Events API v2 event, or the webhook's JSON body.

A private incident's title and impact never leave Slack: pagers hear its number, severity and the
reason only.
"""

from __future__ import annotations

from typing import Any

from bot.config.escalation import Target
from bot.config.policy import Policy
from bot.db.models import Incident

# PagerDuty's four severities, given to the policy's severities in their order (most severe first).
PAGERDUTY_SEVERITIES = ("critical", "error", "warning", "info")


def pagerduty_severity(policy: Policy, severity: str) -> str:
    """The PagerDuty severity of one of the policy's severities, by its rank in the policy."""
    keys = policy.severity_keys
    rank = keys.index(severity) if severity in keys else len(PAGERDUTY_SEVERITIES) - 1
    return PAGERDUTY_SEVERITIES[min(rank, len(PAGERDUTY_SEVERITIES) - 1)]


def _title(incident: Incident) -> str:
    return "a private incident" if incident.is_private else incident.title


def pagerduty_event(
    policy: Policy, target: Target, incident: Incident, action: str, reason: str
) -> dict[str, Any]:
    """An Events API v2 event; ``dedup_key`` is the incident's id, so repeats are one alert."""
    event: dict[str, Any] = {
        "routing_key": target.pagerduty_routing_key,
        "event_action": action,
        "dedup_key": incident.ref,
    }
    if action == "trigger":
        details = {"status": incident.status}
        if not incident.is_private:
            details["impact"] = incident.impact
        event["payload"] = {
            "summary": f"{incident.ref} ({incident.severity}) {_title(incident)}: {reason}"[:1024],
            "source": "incident-bot",
            "severity": pagerduty_severity(policy, incident.severity),
            "custom_details": details,
        }
    return event


def webhook_body(incident: Incident, action: str, reason: str, key: str) -> dict[str, Any]:
    return {
        "event": "escalation" if action == "trigger" else "resolved",
        "incident": {
            "id": incident.ref,
            "title": _title(incident),
            "private": incident.is_private,
            "severity": incident.severity,
            "status": incident.status,
            "declared_at": incident.declared_at.isoformat(),
            "channel_id": incident.channel_id,
        },
        "reason": reason,
        "idempotency_key": key,  # the same for a resend after a crash: a receiver may drop repeats
    }
