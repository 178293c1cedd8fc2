"""Crashes: the bot killed in the middle of a declare's Slack side finishes it after a restart,
without a second channel or a second announcement."""

from __future__ import annotations

import signal
import time
from pathlib import Path

from playground.server import SlackStandIn
from tests.e2e.db import incidents, wait_settled
from tests.e2e.harness import bot_env, start_bot


def test_killed_while_slack_creates_the_channel(
    standin: SlackStandIn, database_url: str, tmp_path: Path
) -> None:
    env = bot_env(standin, database_url)
    bot = start_bot(tmp_path, dict(env))
    held = standin.hold("conversations.create")
    payload = standin.slash_command_payload(text="declare P1 Killed mid-flight", user_id="U0ALICE")
    bot.sender.command(payload)
    assert held.wait_held(10)
    assert bot.stop(signal.SIGKILL) == -signal.SIGKILL
    held.release()  # Slack finishes creating the channel the dead bot asked for
    time.sleep(0.5)
    [incident] = incidents(database_url)  # committed before Slack was asked
    assert incident.channel_id is None
    bot = start_bot(tmp_path, dict(env))
    try:
        wait_settled(database_url)  # the dead bot's lease runs out and the new one takes over
        [incident] = incidents(database_url)
        created = [c for c in standin.calls("conversations.create") if c.ok]
        assert len(created) == 1 and created[0].response["channel"]["id"] == incident.channel_id  # adopted
        assert "U0ALICE" in standin.members(incident.channel_id or "")
        for channel in (incident.channel_id, "incident-response", "leadership"):
            posts = [
                c for c in standin.calls("chat.postMessage") if c.ok and "Incident declared" in c.args["text"]
            ]
            assert len([c for c in posts if channel in (c.args["channel"], c.response["channel"])]) == 1, (
                channel
            )
        assert "Declared INC-" in standin.wait_for_response(payload["response_url"])["text"]
    finally:
        assert bot.stop() == 0, bot.log()
