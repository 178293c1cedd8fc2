"""The escalation part of the policy: who is told, when, and on what condition.

Defaults follow the procedure: while nobody has taken command, 0-15 minutes the primary on-call,
15-30 the backup on-call, 30-60 the engineering lead, after 60 the VP Engineering / CTO; by
severity, P1 tells the engineering lead and the CTO at once, P2 the engineering lead within 30
minutes, P3 the next business day, P4 nobody.
"""

from __future__ import annotations

import re
from datetime import time, timedelta
from typing import Literal

from pydantic import Field, field_validator, model_validator

from bot.config.types import (
    NEXT_BUSINESS_DAY,
    ResponseTarget,
    Strict,
    UserGroupId,
    UserId,
    target_text,
    zone_name,
)

Condition = Literal["unacknowledged", "update-overdue", "unresolved"]
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class Target(Strict):
    """Who a target name stands for: people, user groups, channels, and optionally a pager; or whoever
    PagerDuty says is on call (a schedule, or a level of an escalation policy) when it fires."""

    users: tuple[UserId, ...] = ()
    usergroups: tuple[UserGroupId, ...] = ()
    channels: tuple[str, ...] = ()
    pagerduty_routing_key: str | None = None
    webhook_url: str | None = None
    pagerduty_schedule: str | None = Field(default=None, pattern=r"^P[A-Z0-9]{2,20}$")
    pagerduty_escalation_policy: str | None = Field(default=None, pattern=r"^P[A-Z0-9]{2,20}$")
    level: int | None = Field(default=None, ge=1, le=20)

    @model_validator(mode="after")
    def _one_oncall_source(self) -> Target:
        if self.pagerduty_schedule and self.pagerduty_escalation_policy:
            raise ValueError("name a pagerduty_schedule or a pagerduty_escalation_policy, not both")
        if self.level is not None and not self.pagerduty_escalation_policy:
            raise ValueError("level goes with pagerduty_escalation_policy (its 1st, 2nd, … level)")
        return self

    @property
    def oncall(self) -> bool:
        """Whether PagerDuty is asked who this target is when it fires."""
        return bool(self.pagerduty_schedule or self.pagerduty_escalation_policy)

    @field_validator("channels")
    @classmethod
    def _channels(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(c.strip().removeprefix("#") for c in value)

    @field_validator("webhook_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^https?://", value):
            raise ValueError(f"{value!r} is not an http(s) URL")
        return value

    @property
    def pages(self) -> bool:
        return bool(self.pagerduty_routing_key or self.webhook_url)

    @property
    def reachable(self) -> bool:
        """True when the target names anyone: a target nobody filled in is skipped."""
        return bool(self.users or self.usergroups or self.channels or self.pages or self.oncall)


class Tier(Strict):
    after: ResponseTarget
    when: Condition = "unacknowledged"
    notify: tuple[str, ...] = Field(min_length=1)


class SeverityEscalation(Strict):
    at_declare: tuple[str, ...] = ()
    tiers: tuple[Tier, ...] = ()


class WorkingHours(Strict):
    timezone: str = "UTC"
    start: time = time(9, 0)
    end: time = time(17, 0)
    days: tuple[str, ...] = DAYS[:5]

    _zone = field_validator("timezone")(classmethod(lambda cls, v: zone_name(v)))

    @field_validator("days")
    @classmethod
    def _days(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        days = tuple(d.strip().lower()[:3] for d in value)
        bad = [d for d in days if d not in DAYS]
        if bad or not days:
            raise ValueError(f"working days are some of {', '.join(DAYS)}")
        return days


def _tier(after: str | timedelta, notify: str, when: Condition = "unacknowledged") -> Tier:
    return Tier.model_validate({"after": after, "when": when, "notify": [notify]})


_M = timedelta(minutes=1)
DEFAULT_SEVERITIES = {
    "P1": SeverityEscalation(
        at_declare=("primary-oncall", "engineering-lead", "cto"),
        tiers=(
            _tier(15 * _M, "backup-oncall"),
            _tier(30 * _M, "engineering-lead"),
            _tier(60 * _M, "cto"),
            _tier(10 * _M, "engineering-lead", "update-overdue"),
        ),
    ),
    "P2": SeverityEscalation(
        at_declare=("primary-oncall",),
        tiers=(
            _tier(15 * _M, "backup-oncall"),
            _tier(30 * _M, "engineering-lead", "unresolved"),
            _tier(60 * _M, "cto"),
            _tier(15 * _M, "engineering-lead", "update-overdue"),
        ),
    ),
    "P3": SeverityEscalation(
        at_declare=("primary-oncall",), tiers=(_tier(NEXT_BUSINESS_DAY, "engineering-lead", "unresolved"),)
    ),
    "P4": SeverityEscalation(),
}
DEFAULT_TARGETS = {name: Target() for name in ("primary-oncall", "backup-oncall", "engineering-lead", "cto")}


class Escalation(Strict):
    targets: dict[str, Target] = Field(default_factory=lambda: dict(DEFAULT_TARGETS))
    severities: dict[str, SeverityEscalation] = Field(default_factory=lambda: dict(DEFAULT_SEVERITIES))
    working_hours: WorkingHours = WorkingHours()
    pagerduty_events_url: str = "https://events.pagerduty.com/v2/enqueue"

    @field_validator("severities", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return {str(k).upper(): v for k, v in value.items()} if isinstance(value, dict) else value

    @model_validator(mode="after")
    def _names_exist(self) -> Escalation:
        for severity, plan in self.severities.items():
            names = list(plan.at_declare) + [n for tier in plan.tiers for n in tier.notify]
            unknown = sorted({n for n in names if n not in self.targets})
            if unknown:
                raise ValueError(
                    f"escalation for {severity} notifies {', '.join(unknown)}, which is not a target; "
                    f"targets: {', '.join(self.targets) or 'none defined'}"
                )
        return self

    def for_severity(self, key: str) -> SeverityEscalation:
        return self.severities.get(key.upper(), SeverityEscalation())


_WHEN = {
    "unacknowledged": "if nobody has taken command",
    "unresolved": "if still unresolved",
    "update-overdue": "after an update reminder goes unanswered",
}


def describe(escalation: Escalation, severities: list[str]) -> str:
    """The escalation timeline each severity gets, as text (for ``incident-bot config check``)."""
    from bot.durations import format_duration

    lines: list[str] = []
    for key in severities:
        plan = escalation.for_severity(key)
        lines.append(f"{key}:")
        if not plan.at_declare and not plan.tiers:
            lines.append("  no escalation")
        if plan.at_declare:
            lines.append(f"  at declaration: {', '.join(plan.at_declare)}")
        for tier in plan.tiers:
            after = (
                target_text(tier.after) if isinstance(tier.after, str) else "+" + format_duration(tier.after)
            )
            lines.append(f"  {after:<18} {_WHEN[tier.when]}: {', '.join(tier.notify)}")
    return "\n".join(lines)


def empty_targets(escalation: Escalation) -> list[str]:
    """The targets that name nobody: escalating to one of them is skipped until it is filled in."""
    return [name for name, target in escalation.targets.items() if not target.reachable]
