"""Crashes at the worst moment: both replicas on one PostgreSQL are killed (SIGKILL) right after
Slack took a post and before either heard back. Nothing is lost or doubled: the next replica to
claim the post finds it in the channel by the key in its metadata and records it instead of
sending it again; the reminders go on within one lease plus one cadence."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from playground.server import SlackStandIn
from tests.conftest import on_postgres
from tests.e2e.db import incidents, wait_settled
from tests.e2e.harness import RunningBot, answer, bot_env, start_bot

CADENCE = 4.0
LEASE = 3.0
POLICY = f"""
severities:
  - {{key: P1, label: Critical, response_target: 15m, update_cadence: {int(CADENCE)}s}}
escalation:
  targets: {{primary-oncall: {{users: [U0BOB]}}}}
  severities: {{P1: {{at_declare: [primary-oncall]}}}}
"""

pytestmark = pytest.mark.skipif(not on_postgres(), reason="several replicas need PostgreSQL")


class Replicas:
    def __init__(self, env: dict[str, str], tmp_path: Path) -> None:
        self.env, self.tmp_path = env, tmp_path
        self.bots: list[RunningBot] = []
        self.logs: list[str] = []

    def start(self) -> None:
        self.bots = [start_bot(self.tmp_path, dict(self.env)) for _ in range(2)]

    def kill(self) -> None:
        for bot in self.bots:
            if bot.process.poll() is None:
                os.kill(bot.process.pid, signal.SIGKILL)

    def reap(self) -> None:
        for bot in self.bots:
            bot.process.wait(10)
            self.logs.append(bot.log())
            bot.log_file.close()

    def stop(self) -> None:
        for bot in self.bots:
            if bot.process.poll() is None:
                assert bot.stop() == 0
            self.logs.append(bot.log())


def crash_after(
    standin: SlackStandIn, replicas: Replicas, wanted: Callable[[dict[str, Any]], bool]
) -> threading.Event:
    """Kill both replicas the first time Slack takes a post matching ``wanted``, before it answers."""
    fired = threading.Event()

    def hook(method: str, args: dict[str, Any], reply: dict[str, Any]) -> None:
        if not fired.is_set():
            fired.set()
            replicas.kill()

    standin.before_reply("chat.postMessage", hook, wanted)
    return fired


def posts(standin: SlackStandIn, match: Callable[[dict[str, Any]], bool]) -> Counter[str]:
    """How many times each channel got a post matching ``match``."""
    return Counter(c.response["channel"] for c in standin.calls("chat.postMessage") if c.ok and match(c.args))


def recover(replicas: Replicas, fired: threading.Event, database_url: str) -> float:
    assert fired.wait(15), "the crash never happened"
    replicas.reap()
    replicas.start()
    restarted = time.time()
    wait_settled(database_url, timeout=LEASE + 15)
    return restarted


def test_killed_replicas_lose_and_double_nothing(
    standin: SlackStandIn, database_url: str, tmp_path: Path
) -> None:
    policy = tmp_path / "policy.yml"
    policy.write_text(POLICY)
    env = bot_env(
        standin,
        database_url,
        INCIDENT_BOT_CONFIG=str(policy),
        SCHEDULER_TICK="0.3",
        DELIVERY_LEASE=str(LEASE),
    )
    replicas = Replicas(env, tmp_path)
    replicas.start()
    try:
        # 1. the escalation DM of a P1 declaration
        fired = crash_after(standin, replicas, lambda a: a.get("channel") == "U0BOB")
        payload = standin.slash_command_payload(text="declare P1 Payments failing", user_id="U0ALICE")
        assert "is declared" in answer(replicas.bots[0].sender.command(payload))["text"]
        recover(replicas, fired, database_url)
        [incident] = incidents(database_url)
        channel = incident.channel_id or ""
        assert posts(standin, lambda a: a.get("channel") == "U0BOB") == Counter(
            {standin.dm_channel_id("U0BOB"): 1}
        )
        assert sum(posts(standin, lambda a: "Incident declared" in a.get("text", "")).values()) == 3
        assert len([c for c in standin.calls("conversations.create") if c.ok]) == 1

        # 2. an update, killed once Slack has it in the incident channel
        fired = crash_after(
            standin, replicas, lambda a: "Rolled back" in a.get("text", "") and a["channel"] == channel
        )
        replicas.bots[1].sender.command(
            standin.slash_command_payload(text="update Rolled back v2.3", channel_id=channel)
        )
        recover(replicas, fired, database_url)
        updated = posts(standin, lambda a: "Rolled back v2.3" in a.get("text", ""))
        assert sorted(updated.values()) == [1, 1] and channel in updated  # the channel, and the thread

        # 3. a reminder, twice in a row
        for _ in range(2):
            fired = crash_after(
                standin, replicas, lambda a: a.get("channel") == channel and "update on" in a.get("text", "")
            )
            before = len(reminders(standin, channel))
            restarted = recover(replicas, fired, database_url)
            assert len(reminders(standin, channel)) == before + 1  # found, not sent again
        deadline = restarted + LEASE + CADENCE + 3
        while len(reminders(standin, channel)) < before + 2 and time.time() < deadline:
            time.sleep(0.1)
        sent = reminders(standin, channel)
        assert len(sent) == before + 2, "the next reminder did not come within one lease plus one cadence"
        assert sent[-1] - sent[-2] >= CADENCE - 0.5  # never two for one due time
        # each post in doubt was looked for by its key rather than sent again
        looked = [
            c
            for c in standin.calls("conversations.history") + standin.calls("conversations.replies")
            if str(c.args.get("include_all_metadata")).lower() in ("true", "1")
        ]
        assert len(looked) >= 4, [c.args for c in looked]
    finally:
        replicas.stop()
    for log in replicas.logs:
        assert "Traceback" not in log, log


def reminders(standin: SlackStandIn, channel: str) -> list[float]:
    return [
        c.at
        for c in standin.calls("chat.postMessage")
        if c.ok and c.args.get("channel") == channel and "update on" in str(c.args.get("text"))
    ]
