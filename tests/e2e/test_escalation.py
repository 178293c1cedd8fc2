"""Escalation on a timer, end to end: tiers in order, stopped by taking command, re-planned by a
severity change, update-overdue, and paging through a local PagerDuty/webhook receiver."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from bot.db.models import Incident, TimelineEvent
from playground.server import SlackStandIn
from tests.e2e.db import wait_settled
from tests.e2e.harness import RunningBot, answer, bot_env, start_bot, state
from tests.e2e.receiver import Receiver
from tests.slack_checks import check_message

POLICY = """
severities:
  - {{key: P1, label: Critical, response_target: 15m, update_cadence: 3s}}
  - {{key: P2, label: High, response_target: 1h, update_cadence: 30m}}
  - {{key: P3, label: Medium, response_target: 4h, update_cadence: none}}
escalation:
  pagerduty_events_url: {url}/pd
  targets:
    primary-oncall: {{users: [U0BOB], pagerduty_routing_key: rk-primary}}
    backup-oncall: {{users: [U0CAROL], usergroups: [S0BACKUP]}}
    engineering-lead: {{users: [U0DAVE], channels: [leadership]}}
    cto: {{channels: [general], webhook_url: {url}/hook}}
  severities:
    P1:
      at_declare: [primary-oncall]
      tiers:
        - {{after: 2s, notify: [backup-oncall]}}
        - {{after: 4s, notify: [engineering-lead]}}
        - {{after: 6s, notify: [cto]}}
        - {{after: 1s, when: update-overdue, notify: [engineering-lead]}}
    P2:
      tiers:
        - {{after: 2s, notify: [backup-oncall]}}
"""


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.stop()


@pytest.fixture
def bot(standin: SlackStandIn, database_url: str, tmp_path: Path, receiver: Receiver) -> Iterator[RunningBot]:
    policy = tmp_path / "policy.yml"
    policy.write_text(POLICY.format(url=receiver.url))
    running = start_bot(
        tmp_path, bot_env(standin, database_url, INCIDENT_BOT_CONFIG=str(policy), SCHEDULER_TICK="0.3")
    )
    yield running
    assert running.stop() == 0, running.log()
    assert "Traceback" not in running.log(), running.log()


def declare_without_commander(standin: SlackStandIn, bot: RunningBot, severity: str, title: str) -> float:
    payload = standin.slash_command_payload(text="declare")
    bot.sender.command(payload)
    opened = standin.wait_for("views.open", lambda c: c.args.get("trigger_id") == payload["trigger_id"])
    form: dict[str, Any] = {
        "title": title,
        "severity": ("select", severity),
        "impact": "Users see errors",
        "commander": ("checks", []),
    }
    started = time.time()
    bot.sender.interaction(
        standin.view_submission_payload(state(form), view_id=opened.response["view"]["id"])
    )
    standin.wait_for_response(payload["response_url"], timeout=10)
    return started


def incident(database_url: str) -> Incident:
    engine = create_engine(database_url)
    with Session(engine) as session:
        found = session.scalars(select(Incident).order_by(Incident.id.desc())).first()
    engine.dispose()
    assert found is not None
    return found


def escalated(database_url: str) -> list[str]:
    engine = create_engine(database_url)
    with Session(engine) as session:
        rows = session.scalars(
            select(TimelineEvent).where(TimelineEvent.kind == "escalated").order_by(TimelineEvent.id)
        )
        tiers = [str(e.details["tier"]) for e in rows]
    engine.dispose()
    return tiers


def dms(standin: SlackStandIn, user: str) -> list[dict[str, Any]]:
    return [
        c.args
        for c in standin.calls("chat.postMessage")
        if c.args["channel"] == user and "rotating_light" in c.args["text"]
    ]


def posted_in(standin: SlackStandIn, channel: str) -> list[dict[str, Any]]:
    return [
        c.args
        for c in standin.calls("chat.postMessage")
        if c.args["channel"] == channel and "rotating_light" in c.args["text"]
    ]


def wait_until(check: Callable[[], object], timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not check() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert check()


def test_unacknowledged_p1_escalates_in_order_until_someone_takes_command(
    standin: SlackStandIn, bot: RunningBot, database_url: str, receiver: Receiver
) -> None:
    started = declare_without_commander(standin, bot, "P1", "Payments down")
    inc = incident(database_url)
    # at once: the primary on-call by DM, with the take-command button, and paged
    wait_until(lambda: len(dms(standin, "U0BOB")) == 1)
    dm = dms(standin, "U0BOB")[0]
    check_message(dm)
    assert "P1 incident declared" in dm["text"] and '"role_take"' in json.dumps(dm["blocks"])
    [trigger] = receiver.wait("/pd")
    assert trigger["routing_key"] == "rk-primary" and trigger["event_action"] == "trigger"
    assert trigger["dedup_key"] == inc.ref and trigger["payload"]["severity"] == "critical"
    # +2s the backup on-call, with its user group mentioned
    wait_until(lambda: len(dms(standin, "U0CAROL")) == 1)
    assert 1.5 <= time.time() - started <= 2 + 1.5
    line = standin.wait_for(
        "chat.postMessage",
        lambda c: c.args["channel"] == inc.channel_id and "escalated to backup-oncall" in c.args["text"],
    )
    assert line.args["text"].startswith("No commander after") and "<!subteam^S0BACKUP>" in line.args["text"]
    # +4s the engineering lead, by DM and in the leadership channel
    wait_until(lambda: len(dms(standin, "U0DAVE")) >= 1)
    wait_until(lambda: len(posted_in(standin, "leadership")) >= 1)
    # Bob takes command from his DM: the CTO tier never fires
    bot.sender.interaction(
        standin.block_actions_payload(
            "role_take", f"{inc.id}:ic", "U0BOB", channel_id=standin.dm_channel_id("U0BOB")
        )
    )
    standin.wait_for("chat.postMessage", lambda c: c.args["text"] == "<@U0BOB> is now Incident Commander.")
    time.sleep(max(0.0, started + 7.5 - time.time()))
    assert posted_in(standin, "general") == [] and receiver.received("/hook") == []
    # (the 3s update reminder also went unanswered for 1s: the silent tier told the lead too)
    assert sorted(escalated(database_url)) == ["P1:0", "P1:1", "P1:3", "P1:declare"]
    assert incident(database_url).acknowledged_at is not None
    # resolving sends PagerDuty the resolve event for the page it triggered
    # only the commander (Bob now) or an admin may resolve
    payload = standin.slash_command_payload(
        text="resolve", channel_id=inc.channel_id or "", user_id="U0ALICE"
    )
    refusal = answer(bot.sender.command(payload))
    assert (
        refusal["text"]
        == f"Only the Incident Commander (<@U0BOB>) or an incident admin may resolve {inc.ref}."
    )
    payload = standin.slash_command_payload(text="resolve", channel_id=inc.channel_id or "", user_id="U0BOB")
    bot.sender.command(payload)
    opened = standin.wait_for("views.open", lambda c: c.args.get("trigger_id") == payload["trigger_id"])
    bot.sender.interaction(
        standin.view_submission_payload(
            state({"summary": "Fixed", "root_cause": "", "fix": ""}),
            view_id=opened.response["view"]["id"],
            user_id="U0BOB",
        )
    )
    events = receiver.wait("/pd", 2)
    assert events[1] == {"routing_key": "rk-primary", "event_action": "resolve", "dedup_key": inc.ref}


def test_acknowledged_p2_does_not_escalate(standin: SlackStandIn, bot: RunningBot, database_url: str) -> None:
    payload = standin.slash_command_payload(text="declare P2 Search slow")
    bot.sender.command(payload)
    standin.wait_for_response(payload["response_url"], timeout=10)
    time.sleep(3)
    assert dms(standin, "U0CAROL") == [] and escalated(database_url) == []


def test_upgrade_p3_to_p1_fires_at_once_past_tiers_once_and_future_tiers_on_time(
    standin: SlackStandIn, bot: RunningBot, database_url: str, receiver: Receiver
) -> None:
    started = declare_without_commander(standin, bot, "P3", "Reports are slow")
    inc = incident(database_url)
    time.sleep(max(0.0, started + 4.5 - time.time()))
    assert escalated(database_url) == []
    payload = standin.slash_command_payload(text="severity P1", channel_id=inc.channel_id or "")
    bot.sender.command(payload)
    wait_until(lambda: len(escalated(database_url)) == 3)
    assert sorted(escalated(database_url)) == ["P1:0", "P1:1", "P1:declare"]
    assert len(receiver.wait("/pd")) == 1
    assert receiver.received("/hook") == []
    # the 6s tier comes on time, counted from the declaration
    hook = receiver.wait("/hook", timeout=6)
    assert 6 - 0.5 <= time.time() - started <= 6 + 2
    assert hook[0]["event"] == "escalation" and hook[0]["incident"]["id"] == inc.ref
    wait_until(lambda: len(posted_in(standin, "general")) == 1)
    time.sleep(1.5)
    assert len(dms(standin, "U0BOB")) == 1 and len(dms(standin, "U0CAROL")) == 1
    assert len([m for m in dms(standin, "U0DAVE") if "No commander" in m["text"]]) == 1
    assert len(receiver.received("/pd")) == 1 and len(receiver.received("/hook")) == 1
    tiers = escalated(database_url)
    assert len(tiers) == len(set(tiers)) and {"P1:0", "P1:1", "P1:2", "P1:declare"} <= set(tiers)


def test_a_silent_incident_escalates_and_a_failed_page_is_reported_and_retried(
    standin: SlackStandIn, bot: RunningBot, database_url: str, receiver: Receiver
) -> None:
    receiver.fail_next = 1
    payload = standin.slash_command_payload(text="declare P1 Disk full", user_id="U0ALICE")
    bot.sender.command(payload)
    standin.wait_for_response(payload["response_url"], timeout=10)
    inc = incident(database_url)
    warning = standin.wait_for(
        "chat.postMessage",
        lambda c: (
            c.args["channel"] == inc.channel_id
            and "could not page primary-oncall (trigger)" in c.args["text"]
        ),
    )
    check_message(warning.args)
    assert len(receiver.wait("/pd", timeout=10)) == 1  # retried, and accepted once
    # acknowledged, so no unacknowledged tier fires; the 3s reminder goes unanswered for 1s
    silent = standin.wait_for(
        "chat.postMessage",
        lambda c: c.args["channel"] == "U0DAVE" and "gone silent" in c.args["text"],
        timeout=10,
    )
    check_message(silent.args)
    assert "after the reminder (gone silent): *INC-" in silent.args["text"]  # one colon, not two
    assert '"role_take"' not in json.dumps(silent.args["blocks"])  # it has a commander already
    assert escalated(database_url) == ["P1:declare", "P1:3"]
    time.sleep(4)
    assert escalated(database_url) == ["P1:declare", "P1:3"]  # each tier once per incident
    assert len(receiver.received("/pd")) == 1


def test_the_at_declare_dms_name_the_incident_channel_never_channel_pending(
    standin: SlackStandIn, bot: RunningBot, database_url: str
) -> None:
    standin.set_latency(0.1, 0.3)  # Slack's pace: the channel is made while the DMs are due
    payload = standin.slash_command_payload(text="declare P1 Checkout is down", user_id="U0ALICE")
    bot.sender.command(payload)
    told = standin.wait_for(
        "chat.postMessage",
        lambda c: c.args["channel"] == "U0BOB" and "Checkout is down" in c.args["text"],
        timeout=10,
    )
    channel = incident(database_url).channel_id
    shown = json.dumps(told.args["blocks"])
    assert "channel pending" not in shown and f"<#{channel}>" in shown


def test_leadership_gets_one_post_per_p1_and_it_has_no_role_buttons(
    standin: SlackStandIn, database_url: str, tmp_path: Path
) -> None:
    policy = tmp_path / "policy.yml"
    policy.write_text(
        "escalation:\n  targets:\n    cto: {users: [U0DAVE], channels: ['#leadership']}\n"
        "  severities:\n    P1: {at_declare: [cto]}\n"
    )
    running = start_bot(tmp_path, bot_env(standin, database_url, INCIDENT_BOT_CONFIG=str(policy)))
    try:
        payload = standin.slash_command_payload(text="declare P1 Checkout is down", user_id="U0ALICE")
        running.sender.command(payload)
        standin.wait_for("chat.postMessage", lambda c: c.args["channel"] == "U0DAVE", timeout=10)  # CTO told
        wait_settled(database_url)
        posts = [c for c in standin.calls("chat.postMessage") if c.ok and "leader" in str(c.args["channel"])]
        assert len(posts) == 1, [p.args["text"] for p in posts]  # the announcement, not a second card
        assert '"role_take"' not in json.dumps(posts[0].args["blocks"])  # leadership watches
    finally:
        assert running.stop() == 0
