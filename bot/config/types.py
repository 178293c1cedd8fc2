"""Value types shared by the policy models: durations, response targets, channels."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, PlainSerializer

from bot.durations import DURATION_HELP, format_duration, parse_duration

NEXT_BUSINESS_DAY = "next-business-day"


def _to_duration(value: Any) -> Any:
    if isinstance(value, str):
        return parse_duration(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise ValueError(f"{value!r} has no unit: write {DURATION_HELP}")
    return value


def _to_optional_duration(value: Any) -> Any:
    if value is None or (isinstance(value, str) and value.strip().lower() in ("none", "never", "")):
        return None
    return _to_duration(value)


def _to_response_target(value: Any) -> Any:
    if isinstance(value, str) and value.strip().lower().replace(" ", "-") == NEXT_BUSINESS_DAY:
        return NEXT_BUSINESS_DAY
    return _to_duration(value)


def duration_text(value: timedelta | None) -> str:
    """A duration as the policy file writes it: ``15m``, or ``none`` for no duration."""
    return "none" if value is None else format_duration(value)


def target_text(value: timedelta | str) -> str:
    """A response target as the policy file writes it: ``4h`` or ``next business day``."""
    return NEXT_BUSINESS_DAY.replace("-", " ") if isinstance(value, str) else format_duration(value)


Duration = Annotated[timedelta, BeforeValidator(_to_duration), PlainSerializer(format_duration)]
OptionalDuration = Annotated[
    timedelta | None, BeforeValidator(_to_optional_duration), PlainSerializer(duration_text)
]
ResponseTarget = Annotated[
    timedelta | Literal["next-business-day"],
    BeforeValidator(_to_response_target),
    PlainSerializer(target_text),
]

KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")
_CHANNEL = re.compile(r"^(?:[a-z0-9_-]{1,80}|[CG][A-Z0-9]{2,})$")


def channel_name(value: str | None) -> str | None:
    if value is None:
        return None
    name = value.strip().removeprefix("#")
    if not _CHANNEL.match(name):
        raise ValueError(
            f"{value!r} is not a channel: use a channel name (lowercase letters, digits, - and _) or id"
        )
    return name


class Strict(BaseModel):
    """A policy section: unknown keys are errors, values are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def zone_name(value: str) -> str:
    """An IANA time zone name, checked."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{value!r} is not an IANA time zone such as UTC or Europe/Berlin") from None
    return value


def _user_id(value: str) -> str:
    if not re.fullmatch(r"[UW][A-Z0-9]{2,}", value):
        raise ValueError(f"{value!r} is not a Slack user id (like U012AB3CD)")
    return value


def _usergroup_id(value: str) -> str:
    if not re.fullmatch(r"S[A-Z0-9]{2,}", value):
        raise ValueError(f"{value!r} is not a Slack user group id (like S012AB3CD)")
    return value


UserId = Annotated[str, AfterValidator(_user_id)]
UserGroupId = Annotated[str, AfterValidator(_usergroup_id)]
