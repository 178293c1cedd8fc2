"""The ``alerts`` part of the policy: where alerts are posted, and rules that map alerts to actions.

Rules are tried in order, the first match wins: ``action: declare`` (at once, with ``severity``),
``post`` (the default: a message in the alerts channel with Declare / Link / Dismiss) or ``ignore``
(kept, shown nowhere). A match names any of ``source`` (pagerduty, alertmanager, generic),
``severity``, ``urgency``, ``title`` and ``labels``; each value is matched exactly, or as a regular
expression when written between slashes (``/disk .* full/``).
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator

from bot.config.types import Strict, channel_name


def _pattern(value: str) -> str:
    if len(value) >= 2 and value.startswith("/") and value.endswith("/"):
        try:
            re.compile(value[1:-1])
        except re.error as exc:
            raise ValueError(f"{value!r} is not a regular expression ({exc})") from None
    return value


def matches(pattern: str, value: str | None) -> bool:
    """``value`` is ``pattern`` exactly, or (a pattern between slashes) the regex finds it."""
    if value is None:
        return False
    if len(pattern) >= 2 and pattern.startswith("/") and pattern.endswith("/"):
        return re.search(pattern[1:-1], value, re.IGNORECASE) is not None
    return pattern.lower() == value.lower()


class AlertMatch(Strict):
    source: Literal["pagerduty", "alertmanager", "generic"] | None = None
    severity: str | None = None
    urgency: str | None = None
    title: str | None = None
    labels: dict[str, str] = Field(default_factory=dict)

    @field_validator("severity", "urgency", "title")
    @classmethod
    def _patterns(cls, value: str | None) -> str | None:
        return None if value is None else _pattern(value)

    @field_validator("labels")
    @classmethod
    def _label_patterns(cls, value: dict[str, str]) -> dict[str, str]:
        return {key: _pattern(str(pattern)) for key, pattern in value.items()}


class AlertRule(Strict):
    match: AlertMatch = AlertMatch()
    action: Literal["declare", "post", "ignore"] = "post"
    severity: str | None = None  # for declare: the incident's severity (default: mapped from the alert)


class Alerts(Strict):
    channel: str = "ops-alerts"
    rules: tuple[AlertRule, ...] = ()

    @field_validator("channel")
    @classmethod
    def _channel(cls, value: str) -> str:
        named = channel_name(value)
        assert named is not None
        return named
