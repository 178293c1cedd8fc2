from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.config.policy import Policy, PolicyError, dump_policy, load_policy
from bot.config.types import NEXT_BUSINESS_DAY
from bot.durations import format_duration, humanize_duration, parse_duration


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90s", timedelta(seconds=90)),
        ("15m", timedelta(minutes=15)),
        ("1h", timedelta(hours=1)),
        ("2d", timedelta(days=2)),
        ("1h30m", timedelta(minutes=90)),
        (" 5M ", timedelta(minutes=5)),
    ],
)
def test_durations_parse(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "15", "15x", "m15", "1.5h", "-5m", "fifteen minutes"])
def test_bad_durations_say_what_is_allowed(text: str) -> None:
    with pytest.raises(ValueError, match="90s, 15m, 1h, 2d"):
        parse_duration(text)


def test_duration_round_trip_and_words() -> None:
    assert format_duration(timedelta(minutes=90)) == "1h30m"
    assert parse_duration(format_duration(timedelta(days=1, seconds=5))) == timedelta(days=1, seconds=5)
    assert humanize_duration(timedelta(hours=2, minutes=15)) == "2 hours 15 minutes"
    assert humanize_duration(timedelta(seconds=1)) == "1 second"


def test_defaults_follow_the_procedure() -> None:
    policy = load_policy(None)
    assert policy.severity_keys == ["P1", "P2", "P3", "P4"]
    assert policy.severity("P1").update_cadence == timedelta(minutes=15)
    assert policy.severity("P2").update_cadence == timedelta(minutes=30)
    assert policy.severity("P2").response_target == timedelta(hours=1)
    assert policy.severity("P3").update_cadence is None
    assert policy.severity("P4").response_target == NEXT_BUSINESS_DAY
    assert policy.announcement_channel == "incident-response"
    assert policy.announces_to_leadership("P1") and not policy.announces_to_leadership("P2")
    assert [r.name for r in policy.roles] == ["Incident Commander", "Tech Lead", "Comms Lead", "Scribe"]


def test_roles_match_by_key_name_or_alias_ignoring_case() -> None:
    policy = Policy()
    for text in ("ic", "IC", "commander", "Incident Commander", "incident-commander"):
        assert policy.find_role(text) is not None and policy.find_role(text).key == "ic"  # type: ignore[union-attr]
    assert policy.find_role("tech-lead").key == "tech_lead"  # type: ignore[union-attr]
    assert policy.find_role("janitor") is None


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policy.yml"
    path.write_text(text)
    return path


def test_a_full_file_loads(tmp_path: Path) -> None:
    (tmp_path / "overrides").mkdir()
    path = write(
        tmp_path,
        """
severities:
  - {key: sev1, label: Critical, response_target: 5m, update_cadence: 10m}
  - {key: sev2, label: Minor, response_target: next business day, update_cadence: none}
announcement_channel: "#incidents"
leadership_channel: null
leadership_severities: []
channel_prefix: incident
roles:
  - {key: ic, name: Commander}
  - {key: liaison, name: Customer Liaison, responsibilities: [Talk to customers]}
templates_dir: overrides
timezone: Europe/Berlin
""",
    )
    policy = load_policy(path)
    assert policy.severity_keys == ["SEV1", "SEV2"]
    assert policy.severity("sev2").update_cadence is None
    assert policy.announcement_channel == "incidents"
    assert policy.templates_dir == (tmp_path / "overrides").resolve()
    assert not policy.announces_to_leadership("SEV1")
    assert load_policy(write(tmp_path, dump_policy(policy))) == policy


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("severity: []", ["severity", "unknown key"]),
        (
            "severities:\n  - {key: P1, label: x, response_target: 15x}",
            ["severities[0].response_target", "15m"],
        ),
        ("severities:\n  - {key: P1, label: x, response_target: 15}", ["response_target", "has no unit"]),
        (
            "severities:\n  - {key: P1, label: a, response_target: 1h}"
            "\n  - {key: p1, label: b, response_target: 1h}",
            ["P1 is defined twice"],
        ),
        ("channel_prefix: 5", ["channel_prefix", "string"]),
        ("timezone: Mars/Olympus", ["timezone", "IANA time zone"]),
        ("leadership_severities: [P7]", ["P7", "allowed: P1, P2, P3, P4"]),
        ("roles:\n  - {key: scribe, name: Scribe}", ["commander role"]),
        ("templates_dir: nowhere", ["templates_dir", "is not a folder"]),
        ("announcement_channel: 'Bad Name!'", ["announcement_channel", "lowercase letters"]),
        ("- just a list", ["must be a mapping"]),
        ("severities: [unclosed", ["not valid YAML"]),
    ],
)
def test_bad_files_name_the_file_the_key_and_what_is_allowed(
    tmp_path: Path, text: str, names: list[str]
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(PolicyError) as caught:
        load_policy(path)
    message = str(caught.value)
    assert str(path) in message
    for name in names:
        assert name in message
    assert "Traceback" not in message


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="cannot read"):
        load_policy(tmp_path / "absent.yml")
