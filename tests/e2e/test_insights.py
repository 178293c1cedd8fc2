"""Custom fields, /incident stats and the App Home end to end."""

from __future__ import annotations

import json

from playground.server import SlackStandIn
from tests.e2e.db import wait_settled
from tests.e2e.flows import declare
from tests.e2e.harness import RunningBot, answer
from tests.slack_checks import check_message, check_view


def command(standin: SlackStandIn, bot: RunningBot, text: str, channel: str) -> dict[str, object]:
    reply = bot.sender.command(standin.slash_command_payload(text=text, channel_id=channel))
    assert reply.status == 200
    return reply.json if isinstance(reply.json, dict) else {}


def test_set_a_field_and_see_it_everywhere(standin: SlackStandIn, bot: RunningBot, database_url: str) -> None:
    incident = declare(standin, bot, database_url, "P2 Orders stuck")
    channel = incident.channel_id or ""
    assert command(standin, bot, "set platform AWS eu-west-1", channel) == {}
    line = standin.wait_for("chat.postMessage", lambda c: "set Platform" in c.args["text"])
    assert "AWS eu-west-1" in json.dumps(line.args["blocks"])
    wait_settled(database_url)
    announcement = standin.messages(channel)[0]
    assert "*Platform:*\\nAWS eu-west-1" in json.dumps(announcement["blocks"])  # edited in place
    assert (
        "is already AWS eu-west-1"
        in answer(
            bot.sender.command(
                standin.slash_command_payload(text="set platform AWS eu-west-1", channel_id=channel)
            )
        )["text"]
    )
    refused = answer(
        bot.sender.command(standin.slash_command_payload(text="set colour red", channel_id=channel))
    )
    assert "colour is not an incident field" in refused["text"] and "platform (Platform)" in refused["text"]


def test_stats_answers_in_the_ack(standin: SlackStandIn, bot: RunningBot, database_url: str) -> None:
    declare(standin, bot, database_url, "P1 Payments down")
    stats = answer(bot.sender.command(standin.slash_command_payload(text="stats")))
    check_message(stats)
    assert ": 1 incident, MTTA " in stats["text"]  # declared with a commander: acknowledged at once
    wrong = answer(bot.sender.command(standin.slash_command_payload(text="stats yesterday-ish")))
    assert "is not a date or a period" in wrong["text"]


def test_app_home_shows_open_incidents_and_follows_changes(
    standin: SlackStandIn, bot: RunningBot, database_url: str
) -> None:
    incident = declare(standin, bot, database_url, "P1 Payments down")
    opened = standin.event_payload(
        {"type": "app_home_opened", "user": "U0DAVE", "channel": "D0DAVE", "tab": "home"}
    )
    assert bot.sender.event(opened).status == 200
    first = standin.wait_for("views.publish", lambda c: c.args["user_id"] == "U0DAVE")
    check_view(first.args["view"])
    assert "Payments down" in json.dumps(first.args["view"]) and incident.ref in json.dumps(
        first.args["view"]
    )
    command(standin, bot, "status monitoring", incident.channel_id or "")
    again = standin.wait_for_count("views.publish", 2, lambda c: c.args["user_id"] == "U0DAVE", timeout=20)
    assert "Monitoring" in json.dumps(again[1].args["view"])
