"""Who may resolve, close, reopen, change the severity or reassign roles (the policy's
``permissions``).

Decided here, inside the transaction of the change, so the commander it checks is the commander
at that moment. Whether someone is an admin takes a question to Slack; the caller asks it first.
"""

from __future__ import annotations

from typing import Literal

from bot.config.policy import COMMANDER_ROLE, Policy
from bot.db.models import Incident
from bot.errors import Refusal

# Role reassignment has its own rule (the holder may hand over too): bot/incidents/roles.py.
Action = Literal["resolve", "close", "reopen", "severity"]

WORDS = {"resolve": "resolve", "close": "close", "reopen": "reopen", "severity": "change the severity of"}


def allowed(policy: Policy, action: Action, incident: Incident, actor: str, is_admin: bool) -> bool:
    if getattr(policy.permissions, action) == "anyone" or is_admin:
        return True
    commander = incident.holder(COMMANDER_ROLE)
    return commander is None or commander == actor


def check(policy: Policy, action: Action, incident: Incident, actor: str, is_admin: bool) -> None:
    """Raise a Refusal naming who may, unless ``actor`` may."""
    if not allowed(policy, action, incident, actor, is_admin):
        commander = incident.holder(COMMANDER_ROLE)
        who = (commander,) if commander else ()
        raise Refusal("not_allowed", incident.ref, holder=commander, who_may=who, action=WORDS[action])
