"""help, list, status, and what every request must get: a fast ack, a checked signature."""

from __future__ import annotations

import json
import time
from typing import Any

from playground.sender import SendOptions
from playground.server import SlackStandIn
from tests.e2e.harness import YEAR, RunningBot, answer, known_channel
from tests.slack_checks import check_message


def command(
    standin: SlackStandIn, bot: RunningBot, text: str, channel: str = "C0GENERAL", user: str = "U0ALICE"
) -> dict[str, Any]:
    payload = standin.slash_command_payload(text=text, user_id=user, channel_id=channel)
    reply = bot.sender.command(payload)
    assert reply.status == 200 and reply.elapsed < 3, reply
    message = answer(reply)  # answered in the acknowledgement: no second call
    check_message(message)
    assert message["response_type"] == "ephemeral"
    assert not standin.response_posts(payload["response_url"])
    return message


def declare(standin: SlackStandIn, bot: RunningBot, text: str) -> str:
    """Fast-path declare; returns the new incident's channel id (from the confirmation that follows
    once its channel exists)."""
    payload = standin.slash_command_payload(text=f"declare {text}", channel_id="C0GENERAL")
    assert "is declared" in answer(bot.sender.command(payload))["text"]
    message = standin.wait_for_response(payload["response_url"])
    return json.dumps(message["blocks"]).split("<#", 1)[1].split(">", 1)[0]


def test_help_and_unknown_subcommands_list_every_command(standin: SlackStandIn, bot: RunningBot) -> None:
    for text in ("help", "", "frobnicate"):
        message = command(standin, bot, text)
        for usage in ("/incident declare", "/incident list", "/incident status", "/incident help"):
            assert usage in message["text"]
    assert "There is no `frobnicate` command." in json.dumps(command(standin, bot, "frobnicate")["blocks"])
    said = json.dumps(command(standin, bot, "decalre P1 Checkout is down")["blocks"])
    assert "There is no `decalre` command. Did you mean `declare`?" in said


def test_list_shows_open_incidents(standin: SlackStandIn, bot: RunningBot) -> None:
    assert "0 open incidents" in command(standin, bot, "list")["text"]
    first = declare(standin, bot, "P1 Payments down")
    second = declare(standin, bot, "P3 Flaky search")
    message = command(standin, bot, "list")
    assert message["text"] == "2 open incidents"
    blocks = json.dumps(message["blocks"])
    assert blocks.index(f"INC-{YEAR}-0002") < blocks.index(f"INC-{YEAR}-0001")  # newest first
    for expected in ("P1", "P3", "Investigating", "<@U0ALICE>", f"<#{first}>", f"<#{second}>", "open for"):
        assert expected in blocks


def test_status_card_in_an_incident_channel_and_refusal_elsewhere(
    standin: SlackStandIn, bot: RunningBot
) -> None:
    channel = declare(standin, bot, "P2 Slow checkout")
    card = command(standin, bot, "status", channel=channel)
    blocks = json.dumps(card["blocks"])
    for expected in (
        "Slow checkout",
        "P2 - High",
        "Investigating",
        "Incident Commander: <@U0ALICE>",
        "Scribe: _unassigned_",
    ):
        assert expected in blocks
    refusal = command(standin, bot, "status", channel="C0GENERAL")
    assert "works inside an incident's channel" in refusal["text"]


def test_acks_are_fast_while_slack_is_slow(standin: SlackStandIn, bot: RunningBot) -> None:
    held = standin.hold("conversations.create")
    try:
        start = time.monotonic()
        payload = standin.slash_command_payload(text="declare P1 Everything is slow")
        reply = bot.sender.command(payload)
        assert reply.status == 200 and time.monotonic() - start < 1.0
        held.wait_held(5)
        help_payload = standin.slash_command_payload(text="help")
        assert bot.sender.command(help_payload).elapsed < 1.0
    finally:
        held.release()
    standin.wait_for_response(payload["response_url"])


def test_unsigned_or_forged_requests_are_refused(standin: SlackStandIn, bot: RunningBot) -> None:
    payload = standin.slash_command_payload(text="declare P1 Forged")
    refusals: tuple[SendOptions, ...] = (
        {"bad_signature": True},
        {"no_headers": True},
        {"timestamp_offset": -600},
    )
    for options in refusals:
        reply = bot.sender.command(payload, **options)
        assert reply.status == 401, (options, reply)
    time.sleep(0.5)
    assert not standin.calls("conversations.create") and not standin.responses()


def test_healthz(bot: RunningBot) -> None:
    import urllib.request

    with urllib.request.urlopen(f"{bot.url}/healthz", timeout=2) as reply:
        body = json.loads(reply.read())
    assert reply.status == 200 and body["ok"] is True and body["database"] == "ok"
    assert body["outbox"] == {"pending": 0, "failed": 0, "oldest_pending_seconds": 0.0}


def test_a_taken_channel_name_gets_a_suffix(standin: SlackStandIn, bot: RunningBot) -> None:
    from tests.e2e.harness import YEAR

    standin.add_channel(f"inc-{YEAR}-0001-payments-down")
    channel = declare(standin, bot, "P2 Payments down")
    assert known_channel(standin, channel)["name"] == f"inc-{YEAR}-0001-payments-down-2"
    attempts = [c.response.get("error") for c in standin.calls("conversations.create")]
    assert attempts == ["name_taken", None]


def test_the_status_card_changes_the_status(standin: SlackStandIn, bot: RunningBot) -> None:
    channel = declare(standin, bot, "P2 Slow checkout")
    card = command(standin, bot, "status", channel=channel)
    [select] = [b for b in card["blocks"] if b["type"] == "actions"]
    assert [o["value"] for o in select["elements"][0]["options"]] == [
        "Investigating",
        "Identified",
        "Monitoring",
    ]
    press = standin.block_actions_payload(
        "status_select",
        None,
        "U0ALICE",
        channel_id=channel,
        block_id=select["block_id"],
        action={"type": "static_select", "selected_option": {"value": "Identified"}},
    )
    bot.sender.interaction(press)
    bot.sender.interaction(press)  # a repeat changes and says nothing more
    standin.wait_for(
        "chat.postMessage", lambda c: "changed the status from Investigating to Identified" in c.args["text"]
    )
    time.sleep(0.5)
    assert len([c for c in standin.calls("chat.postMessage") if "changed the status" in c.args["text"]]) == 1
    assert standin.topic(channel).startswith("P2 · Identified")


def test_a_due_date_is_read_in_the_persons_own_time_zone(
    standin: SlackStandIn, bot: RunningBot, database_url: str
) -> None:
    """Somewhere it is already tomorrow or still yesterday: "due <my today>" is today, not the past."""
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from tests.e2e.flows import declare

    now = datetime.now(UTC)
    zone = "Pacific/Pago_Pago" if now.hour < 11 else "Pacific/Kiritimati"  # UTC-11 or UTC+14
    theirs = now.astimezone(ZoneInfo(zone)).date()
    assert theirs != now.date()
    user = standin.add_user("faraway", user_id="U0FAR", tz=zone)
    incident = declare(standin, bot, database_url, "P2 Search is slow")
    payload = standin.slash_command_payload(
        text=f"action Add an index due {theirs.isoformat()}",
        user_id=user,
        channel_id=incident.channel_id or "",
    )
    said = answer(bot.sender.command(payload))["text"]
    assert f"due {theirs.isoformat()}" in said, said
    payload = standin.slash_command_payload(
        text="action Add a cache due today", user_id=user, channel_id=incident.channel_id or ""
    )
    assert f"due {theirs.isoformat()}" in answer(bot.sender.command(payload))["text"]
