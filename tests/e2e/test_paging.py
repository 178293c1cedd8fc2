"""One page, two pagers, two effects: a target with a PagerDuty routing key and a webhook gets one
event each, each retried on its own, so one pager failing never repeats or holds back the other."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from playground.server import SlackStandIn
from tests.e2e.harness import RunningBot, bot_env, start_bot
from tests.e2e.receiver import Receiver

POLICY = """
escalation:
  pagerduty_events_url: {url}/pd
  targets:
    primary-oncall: {{users: [U0BOB], pagerduty_routing_key: rk-primary, webhook_url: {url}/hook}}
  severities:
    P1:
      at_declare: [primary-oncall]
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
    env = bot_env(
        standin,
        database_url,
        INCIDENT_BOT_CONFIG=str(policy),
        SCHEDULER_TICK="0.3",
        INTEGRATIONS_RETRY_AFTER="1",
    )
    running = start_bot(tmp_path, env)
    yield running
    assert running.stop() == 0, running.log()
    assert "Traceback" not in running.log(), running.log()


def declare(standin: SlackStandIn, bot: RunningBot) -> None:
    payload = standin.slash_command_payload(text="declare P1 Disk full", user_id="U0ALICE")
    bot.sender.command(payload)
    standin.wait_for_response(payload["response_url"], timeout=10)


def test_a_failing_webhook_never_triggers_pagerduty_again(
    standin: SlackStandIn, bot: RunningBot, receiver: Receiver
) -> None:
    receiver.fail("/hook", 503, 503, 503)
    declare(standin, bot)
    [hook] = receiver.wait("/hook", timeout=20)  # retried until it landed
    assert receiver.tried("/hook") == 4 and hook["event"] == "escalation"
    time.sleep(1)
    assert len(receiver.received("/pd")) == 1 and receiver.tried("/pd") == 1  # triggered once


def test_pagerduty_refusing_the_event_does_not_keep_the_webhook_from_being_tried(
    standin: SlackStandIn, bot: RunningBot, receiver: Receiver
) -> None:
    receiver.fail("/pd", 400)
    declare(standin, bot)
    assert len(receiver.wait("/hook", timeout=10)) == 1
    standin.wait_for(
        "chat.postMessage",
        lambda c: "could not page primary-oncall (trigger) through PagerDuty" in c.args["text"],
    )
    time.sleep(1)
    assert receiver.tried("/pd") == 1  # refused for good: not sent again
