"""Escalation asks PagerDuty who is on call when a tier fires: each tier reaches whoever is on call
then, PagerDuty away means the last answer (said so), someone with no Slack account means the fixed
people and one note; and ``/oncall`` is read across pages."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.integrations.pagerduty.client import PagerDuty
from playground.pagerduty import PagerDutyStandIn
from playground.server import SlackStandIn
from tests.e2e.harness import RunningBot, answer, bot_env, run_cli, start_bot, until

POLICY = """
severities:
  - {{key: P1, label: Critical, response_target: 15m, update_cadence: 30m}}
  - {{key: P2, label: High, response_target: 1h, update_cadence: 30m}}
escalation:
  targets:
    primary-oncall: {{pagerduty_schedule: PSCHED1}}
    backup-oncall: {{pagerduty_escalation_policy: PEPOL1, level: 2, users: [U0FIXED]}}
  severities:
    P1:
      at_declare: [primary-oncall]
      tiers:
        - {{after: {second}s, when: unresolved, notify: [primary-oncall]}}
    P2:
      at_declare: [backup-oncall]
"""
SHIFT = 3


@pytest.fixture
def pagerduty() -> Iterator[PagerDutyStandIn]:
    with PagerDutyStandIn() as server:
        for user_id, name in (("PA", "ana"), ("PB", "ben"), ("PC", "cal")):
            server.add_user(user_id, name.title(), f"{name}@example.com")
        yield server


def start(
    standin: SlackStandIn, pagerduty: PagerDutyStandIn, database_url: str, tmp_path: Path, second: int
) -> RunningBot:
    standin.add_user("ana", user_id="U0ANA", email="ana@example.com")
    standin.add_user("ben", user_id="U0BEN", email="ben@example.com")
    standin.add_user("fixed", user_id="U0FIXED", email="fixed@example.com")  # cal has no Slack account
    policy = tmp_path / "policy.yml"
    policy.write_text(POLICY.format(second=second))
    env = bot_env(
        standin, database_url, INCIDENT_BOT_CONFIG=str(policy), SCHEDULER_TICK="0.3",
        PAGERDUTY_API_TOKEN=pagerduty.token, PAGERDUTY_API_URL=pagerduty.url,
    )  # fmt: skip
    return start_bot(tmp_path, env)


def escalations_to(standin: SlackStandIn, user: str) -> list[dict[str, Any]]:
    return [
        c.args
        for c in standin.calls("chat.postMessage")
        if c.ok and c.args.get("channel") == user and "rotating_light" in c.args.get("text", "")
    ]


def declare(standin: SlackStandIn, bot: RunningBot, text: str) -> None:
    payload = standin.slash_command_payload(text=f"declare {text}", user_id="U0ALICE")
    assert "is declared" in answer(bot.sender.command(payload))["text"]


def test_each_tier_reaches_who_is_on_call_then_and_pagerduty_away_means_the_last_answer(
    standin: SlackStandIn, pagerduty: PagerDutyStandIn, database_url: str, tmp_path: Path
) -> None:
    pagerduty.add_schedule("PSCHED1", ["PA", "PB"], shift=SHIFT)  # Ana now, Ben from 3 s
    bot = start(standin, pagerduty, database_url, tmp_path, second=SHIFT + 1)
    try:
        declare(standin, bot, "P1 Checkout is down")
        until(lambda: escalations_to(standin, "U0ANA"))  # at declaration: Ana is on call
        until(lambda: escalations_to(standin, "U0BEN"))  # 4 s later the rotation has moved on
        assert len(escalations_to(standin, "U0ANA")) == 1
        # PagerDuty away: the last answer stands, and the DM says as of when
        pagerduty.fail_next("oncalls", 500, times=50)
        time.sleep(SHIFT)  # Ben's answer expires with his shift
        declare(standin, bot, "P1 Search is down")
        dms = until(lambda: len(escalations_to(standin, "U0BEN")) == 2 and escalations_to(standin, "U0BEN"))
        assert "on call as of" in str(dms[-1]["blocks"])
    finally:
        assert bot.stop() == 0, bot.log()
    assert "Traceback" not in bot.log()


def test_someone_pagerduty_names_without_a_slack_account_falls_back_to_the_fixed_people_with_a_note(
    standin: SlackStandIn, pagerduty: PagerDutyStandIn, database_url: str, tmp_path: Path
) -> None:
    pagerduty.add_schedule("PLEVEL1", ["PA"], shift=3600)
    pagerduty.add_schedule("PLEVEL2", ["PC"], shift=3600)  # Cal: no Slack account
    pagerduty.add_policy("PEPOL1", {1: "PLEVEL1", 2: "PLEVEL2"})
    bot = start(standin, pagerduty, database_url, tmp_path, second=60)
    try:
        declare(standin, bot, "P2 Reports are late")
        until(lambda: escalations_to(standin, "U0FIXED"))  # the target's fixed people
        note = until(
            lambda: [
                c
                for c in standin.calls("chat.postMessage")
                if "cal@example.com (no Slack account)" in c.args.get("text", "")
            ]
        )
        time.sleep(1)
        assert len(note) == 1 and not escalations_to(standin, "U0ANA")  # level 2 only, said once
        listed = bot.sender.command(standin.slash_command_payload(text="oncall"))
        assert listed.status == 200
        reply = until(lambda: [r for r in standin.responses() if "On call now" in r.get("text", "")])
        assert "backup-oncall" in reply[0]["text"] and "cal@example.com" in reply[0]["text"]
    finally:
        assert bot.stop() == 0, bot.log()


def test_oncalls_are_read_across_pages(pagerduty: PagerDutyStandIn) -> None:
    for level, user in enumerate(("PA", "PB", "PC"), start=1):
        pagerduty.add_schedule(f"PS{level}", [user], shift=3600)
    pagerduty.add_policy("PEPOL9", {1: "PS1", 2: "PS2", 3: "PS3"})
    pagerduty.page_size = 1
    people = PagerDuty(pagerduty.url, pagerduty.token).oncalls(policy="PEPOL9")
    assert [(p.email, p.level) for p in people] == [
        ("ana@example.com", 1),
        ("ben@example.com", 2),
        ("cal@example.com", 3),
    ]
    assert len(pagerduty.requests("GET", "oncalls")) == 3
    assert all(p.until is not None and p.until > datetime.now(UTC) for p in people)


def test_config_check_lists_the_pagerduty_targets_and_checks_each_exists(
    standin: SlackStandIn, pagerduty: PagerDutyStandIn, database_url: str, tmp_path: Path
) -> None:
    pagerduty.add_schedule("PSCHED1", ["PA"], shift=3600)
    policy = tmp_path / "policy.yml"
    policy.write_text(POLICY.format(second=60))
    env = bot_env(standin, database_url, PAGERDUTY_API_TOKEN=pagerduty.token, PAGERDUTY_API_URL=pagerduty.url)
    checked = run_cli(["config", "check", str(policy)], env, tmp_path)
    assert checked.returncode == 2  # PEPOL1 is not in this PagerDuty
    assert "#   primary-oncall: schedule PSCHED1 (found)" in checked.stdout
    assert "escalation.targets.backup-oncall: PagerDuty has no escalation policy PEPOL1" in checked.stderr
    pagerduty.add_policy("PEPOL1", {2: "PSCHED1"})
    again = run_cli(["config", "check", str(policy)], env, tmp_path)
    assert again.returncode == 0 and "escalation policy PEPOL1, level 2 (found)" in again.stdout, again
