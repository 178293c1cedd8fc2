"""``incident-bot config check`` prints the policy the way docs/configuration.md writes it."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main as cli
from bot.config.policy import dump_policy, load_policy


def check(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.main(["config", "check", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_no_cadence_is_none_and_p4_waits_for_the_next_business_day(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("INCIDENT_BOT_CONFIG", raising=False)
    code, out, err = check(capsys)
    assert code == 0 and err == ""
    assert "  update_cadence: none\n" in out and "null\n  update_cadence" not in out
    assert "  response_target: next business day\n" in out
    assert "- after: next business day\n" in out
    assert "#     next business day  if still unresolved: engineering-lead\n" in out
    assert "next-business-day" not in out


def test_the_printed_policy_loads_back_as_the_same_policy(tmp_path: Path) -> None:
    policy = load_policy(None)
    again = tmp_path / "policy.yml"
    again.write_text(dump_policy(policy))
    assert load_policy(again) == policy


def test_targets_that_name_nobody_are_listed_as_skipped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = tmp_path / "policy.yml"
    policy.write_text(
        "escalation:\n  targets:\n    primary-oncall: {users: [U012AB3CD]}\n    backup-oncall: {}\n"
        "    cto: {channels: ['#leadership']}\n"
        "  severities:\n    P1: {at_declare: [primary-oncall, backup-oncall, cto]}\n"
    )
    code, out, _ = check(capsys, str(policy))
    assert code == 0
    assert "#   empty, skipped: backup-oncall (nobody in them: fill in escalation.targets)\n" in out


def test_defaults_say_every_target_is_empty(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("INCIDENT_BOT_CONFIG", raising=False)
    _, out, _ = check(capsys)
    assert "#   empty, skipped: primary-oncall, backup-oncall, engineering-lead, cto" in out
