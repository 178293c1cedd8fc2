from __future__ import annotations

from datetime import UTC, datetime, time
from pathlib import Path

import pytest

from bot.config.escalation import WorkingHours, describe
from bot.config.policy import Policy, PolicyError, load_policy
from bot.incidents.business_hours import next_business_morning


def test_next_business_morning_in_the_working_time_zone() -> None:
    berlin = WorkingHours(timezone="Europe/Berlin", start=time(9, 0))
    friday_evening = datetime(2026, 11, 27, 16, 30, tzinfo=UTC)  # 17:30 in Berlin
    assert next_business_morning(friday_evening, berlin) == datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    tuesday = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
    assert next_business_morning(tuesday, berlin) == datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
    weekend_workers = WorkingHours(days=("sat", "sun"))
    assert next_business_morning(tuesday, weekend_workers) == datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


def test_defaults_follow_the_procedure() -> None:
    text = describe(Policy().escalation, Policy().severity_keys)
    assert "P1:\n  at declaration: primary-oncall, engineering-lead, cto" in text
    assert "+15m               if nobody has taken command: backup-oncall" in text
    assert "next business day  if still unresolved: engineering-lead" in text
    assert text.endswith("P4:\n  no escalation")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "escalation:\n  severities:\n    P1: {at_declare: [sre-team]}",
            "notifies sre-team, which is not a target",
        ),
        ("escalation:\n  severities:\n    P9: {}", "escalation.severities names P9"),
        ("escalation:\n  targets:\n    x: {users: [dana]}", "not a Slack user id"),
        (
            "escalation:\n  targets: {x: {}}\n  severities:\n"
            "    P1: {tiers: [{after: 5m, when: later, notify: [x]}]}",
            "unacknowledged",
        ),
        ("escalation:\n  working_hours: {days: [funday]}", "working days are some of"),
    ],
)
def test_bad_escalation_policies(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "policy.yml"
    path.write_text(text)
    with pytest.raises(PolicyError, match=expected):
        load_policy(path)
