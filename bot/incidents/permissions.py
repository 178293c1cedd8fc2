"""Who may resolve, close, change the severity or reassign roles (the policy's ``permissions``)."""

from __future__ import annotations

from typing import Literal

from bot.db.models import Incident
from bot.policy import COMMANDER_ROLE, Policy

# Role reassignment has its own rule (the holder may hand over too): bot/incidents/roles.py.
Action = Literal["resolve", "close", "severity"]

WORDS = {
    "resolve": "resolve",
    "close": "close",
    "severity": "change the severity of",
}


def allowed(policy: Policy, action: Action, incident: Incident, actor: str, is_admin: bool) -> bool:
    if getattr(policy.permissions, action) == "anyone" or is_admin:
        return True
    commander = incident.holder(COMMANDER_ROLE)
    return commander is None or commander == actor


def refusal(action: Action, incident: Incident) -> str:
    """Mrkdwn naming who may, for the person who may not."""
    commander = incident.holder(COMMANDER_ROLE)
    who = f"the Incident Commander (<@{commander}>)" if commander else "the Incident Commander"
    return f"Only {who} or an incident admin may {WORDS[action]} {incident.ref}."
