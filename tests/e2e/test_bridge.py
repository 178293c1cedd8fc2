"""A P1 runs on its conference bridge: in the announcement, bookmarked in the channel, in the
commander's DM; a P2 raised to P1 gets it too."""

from __future__ import annotations

import json
from pathlib import Path

from playground.server import SlackStandIn
from tests.e2e.db import wait_settled
from tests.e2e.flows import declare
from tests.e2e.harness import bot_env, start_bot

BRIDGE = "https://zoom.example/j/4155550100"
POLICY = f"bridge: {{P1: {BRIDGE}}}\n"


def test_a_p1_gets_its_bridge_everywhere_it_should(
    standin: SlackStandIn, database_url: str, tmp_path: Path
) -> None:
    policy = tmp_path / "policy.yml"
    policy.write_text(POLICY)
    bot = start_bot(tmp_path, bot_env(standin, database_url, INCIDENT_BOT_CONFIG=str(policy)))
    try:
        incident = declare(standin, bot, database_url, "P1 Checkout is down")
        channel = incident.channel_id or ""
        announcement = standin.messages(channel)[0]
        assert f"<{BRIDGE}|join the bridge>" in json.dumps(announcement["blocks"])
        assert [b["link"] for b in standin.bookmarks(channel)] == [BRIDGE]
        bot.sender.command(standin.slash_command_payload(text="ic <@U0BOB|bob>", channel_id=channel))
        wait_settled(database_url)
        [dm] = [
            c.args
            for c in standin.calls("chat.postMessage")
            if c.args.get("channel") == "U0BOB" and "now" in c.args["text"]
        ]
        assert BRIDGE in json.dumps(dm["blocks"])

        other = declare(standin, bot, database_url, "P2 Search is slow")
        assert standin.bookmarks(other.channel_id or "") == []
        bot.sender.command(
            standin.slash_command_payload(text="severity P1", channel_id=other.channel_id or "")
        )
        wait_settled(database_url)
        assert [b["link"] for b in standin.bookmarks(other.channel_id or "")] == [BRIDGE]
    finally:
        assert bot.stop() == 0
