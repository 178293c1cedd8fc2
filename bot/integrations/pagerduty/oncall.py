"""Who is on call for an escalation target, by PagerDuty, mapped to Slack by email.

Answers are cached a few minutes, and never past the end of a shift they name (a tier that fires
after the rotation changed reaches who is on call then). PagerDuty unreachable, rate limited or
failing: the last known answer is used, and said to be as of when it was learnt. Never answered:
nobody (the target's fixed people stand in).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.clock import Clock
from bot.config.escalation import Target
from bot.integrations import http
from bot.integrations.pagerduty.client import OnCallPerson, PagerDuty

log = logging.getLogger(__name__)

FRESH = 180.0  # seconds an answer is used before PagerDuty is asked again


@dataclass(frozen=True)
class OnCall:
    """Who PagerDuty says is on call for a target: found in Slack (user ids) or not (their emails)."""

    slack_users: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)  # emails with no Slack account
    as_of: datetime | None = None  # when PagerDuty said so (None: it never answered)
    stale: bool = False  # PagerDuty did not answer now: this is the last answer
    error: str = ""


class OnCallDirectory:
    def __init__(
        self, pagerduty: PagerDuty | None, slack_user: Callable[[str], str | None], clock: Clock
    ) -> None:
        self.pagerduty, self.slack_user, self.clock = pagerduty, slack_user, clock
        self._lock = threading.Lock()
        self._answers: dict[str, tuple[datetime, datetime, list[OnCallPerson]]] = {}  # until, as of, who

    @property
    def enabled(self) -> bool:
        return self.pagerduty is not None

    def who(self, target: Target) -> OnCall:
        if self.pagerduty is None or not target.oncall:
            return OnCall(error="PAGERDUTY_API_TOKEN is not set")
        key = (
            f"s:{target.pagerduty_schedule}"
            if target.pagerduty_schedule
            else f"p:{target.pagerduty_escalation_policy}"
        )
        with self._lock:
            cached = self._answers.get(key)
        error, stale = "", False
        now = self.clock()
        if cached is None or now >= cached[0]:
            try:
                people = self.pagerduty.oncalls(
                    schedule=target.pagerduty_schedule, policy=target.pagerduty_escalation_policy
                )
                ends = [p.until for p in people if p.until is not None]
                cached = (min([now + timedelta(seconds=FRESH), *ends]), now, people)
                with self._lock:
                    self._answers[key] = cached
            except http.Refused as refused:
                error, stale = str(refused), cached is not None
                log.warning("PagerDuty did not say who is on call for %s: %s", key[2:], refused)
        if cached is None:
            return OnCall(error=error)
        _, as_of, people = cached
        if target.level is not None:
            people = [p for p in people if p.level == target.level]
        elif target.pagerduty_escalation_policy:
            first = min((p.level for p in people), default=1)
            people = [p for p in people if p.level == first]
        found: list[str] = []
        unknown: list[str] = []
        for person in people:
            user = self.slack_user(person.email)
            (found if user else unknown).append(user or person.email)
        return OnCall(list(dict.fromkeys(found)), unknown, as_of, stale, error)
