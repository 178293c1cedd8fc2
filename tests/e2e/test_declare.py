"""The declare flow end to end: the real bot over HTTP against the stand-in."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from playground.server import SlackStandIn
from tests.e2e.db import incidents, timeline_kinds, wait_settled
from tests.e2e.harness import YEAR, RunningBot, answer, known_channel, state
from tests.slack_checks import HOSTILE, assert_no_live_tokens, check_message, check_view

FULL_FORM = {
    "title": "Checkout API returning 500s",
    "severity": ("select", "P1"),
    "impact": "All card payments fail",
    "description": "",
    "service": "checkout",
    "commander": ("checks", ["self"]),
}


def open_declare_modal(
    standin: SlackStandIn, bot: RunningBot, text: str = "", user: str = "U0ALICE"
) -> dict[str, Any]:
    payload = standin.slash_command_payload(text=f"declare {text}".strip(), user_id=user)
    reply = bot.sender.command(payload)
    assert reply.status == 200 and reply.elapsed < 3
    call = standin.wait_for("views.open", lambda c: c.args.get("trigger_id") == payload["trigger_id"])
    assert call.response["ok"], call.response
    view = call.args["view"]
    check_view(view)
    return dict(call.response["view"])


def submit(
    standin: SlackStandIn, bot: RunningBot, view: dict[str, Any], form: dict[str, Any], user: str = "U0ALICE"
) -> Any:
    payload = standin.view_submission_payload(state(form), view_id=view["id"], user_id=user)
    return bot.sender.interaction(payload)


def test_declare_through_the_modal(standin: SlackStandIn, bot: RunningBot, database_url: str) -> None:
    view = open_declare_modal(standin, bot)
    reply = submit(standin, bot, view, FULL_FORM)
    assert reply.status == 200 and reply.elapsed < 3
    assert not reply.body  # an empty ack closes the modal

    created = standin.wait_for("conversations.create")
    name = created.args["name"]
    assert name == f"inc-{YEAR}-0001-checkout-api-returning-500s"
    channel = created.response["channel"]["id"]
    assert created.response["channel"]["name"] == name

    standin.wait_for("pins.add")
    leadership = standin.wait_for(
        "chat.postMessage", lambda c: c.args["channel"] in ("leadership", "#leadership")
    )
    check_message(leadership.args)
    assert "U0ALICE" in standin.members(channel)
    standin.wait_for("conversations.setTopic")
    topic = standin.topic(channel)
    assert topic.startswith("P1 · Investigating · IC: <@U0ALICE>") and "Checkout API" in topic

    posts = {c.response["channel"]: c for c in standin.calls("chat.postMessage") if c.response.get("ok")}
    announce_channel = known_channel(standin, "incident-response")["id"]
    assert channel in posts and announce_channel in posts
    announcement = posts[channel].args
    check_message(announcement)
    text = json.dumps(announcement["blocks"])
    for expected in (
        "P1 - Critical",
        "Investigating",
        "All card payments fail",
        "<@U0ALICE>",
        f"<#{channel}>",
        "every 15 minutes",
        "<!date^",
    ):
        assert expected in text, expected
    assert standin.pins(channel) == [posts[channel].response["ts"]]

    confirmation = standin.wait_for_response()
    assert f"INC-{YEAR}-0001" in confirmation["text"]
    assert f"<#{channel}>" in json.dumps(confirmation["blocks"])
    assert confirmation["response_type"] == "ephemeral"

    wait_settled(database_url)
    [incident] = incidents(database_url)
    assert incident.channel_id == channel and incident.severity == "P1" and incident.service == "checkout"
    assert incident.acknowledged_at is not None
    assert {m.purpose for m in incident.messages} == {"announcement", "broadcast", "leadership"}
    first_kinds = ["declared", "role_assigned", "acknowledged", "channel_created"]
    assert timeline_kinds(database_url)[:4] == first_kinds


def test_fast_path_declares_at_once(standin: SlackStandIn, bot: RunningBot, database_url: str) -> None:
    payload = standin.slash_command_payload(text="declare P2 Search is slow &amp; flaky", user_id="U0BOB")
    reply = bot.sender.command(payload)
    assert reply.status == 200 and reply.elapsed < 3
    assert f"INC-{YEAR}-0001" in answer(reply)["text"]  # saved before the ack, and said so in it
    confirmation = standin.wait_for_response(payload["response_url"])
    assert "Search is slow &amp; flaky" in confirmation["text"]  # decoded once, encoded once
    assert "is ready, and you are in it" in json.dumps(confirmation["blocks"])  # not "Join" it
    assert not standin.calls("views.open")
    [incident] = incidents(database_url)
    assert incident.title == "Search is slow & flaky" and incident.severity == "P2"
    assert incident.holder("ic") == "U0BOB"
    # P2 is not announced to leadership
    time.sleep(0.3)
    assert not [c for c in standin.calls("chat.postMessage") if "leadership" in str(c.args.get("channel"))]
    assert "every 30 minutes" in json.dumps(standin.messages(incident.channel_id or "")[0]["blocks"])
    # the declarer in command hears the commander's duties, naming the channel
    duties = standin.wait_for(
        "chat.postMessage",
        lambda c: c.args["channel"] == "U0BOB" and "You are now Incident Commander" in c.args["text"],
    )
    assert f"<#{incident.channel_id}>" in json.dumps(duties.args["blocks"])


def test_a_title_alone_opens_the_modal_prefilled(
    standin: SlackStandIn, bot: RunningBot, database_url: str
) -> None:
    view = open_declare_modal(standin, bot, "checkout is down")
    assert view["blocks"][0]["element"]["initial_value"] == "checkout is down"
    assert incidents(database_url) == []


def test_unknown_severity_lists_the_valid_ones(
    standin: SlackStandIn, bot: RunningBot, database_url: str
) -> None:
    payload = standin.slash_command_payload(text="declare P9 Something broke")
    reply = answer(bot.sender.command(payload))
    check_message(reply)
    assert (
        "P9 is not a severity" in reply["text"]
        and "P1 (Critical), P2 (High), P3 (Medium), P4 (Low)" in reply["text"]
    )
    assert incidents(database_url) == [] and not standin.calls("conversations.create")


def test_empty_title_is_a_field_error_and_nothing_is_saved(
    standin: SlackStandIn, bot: RunningBot, database_url: str
) -> None:
    view = open_declare_modal(standin, bot)
    reply = submit(standin, bot, view, {**FULL_FORM, "title": "   ", "impact": "x" * 10})
    assert reply.status == 200
    body = json.loads(reply.body)
    assert body["response_action"] == "errors" and "required" in body["errors"]["title"]
    reply = submit(standin, bot, view, {**FULL_FORM, "title": "t" * 500})
    assert "at most 120" in json.loads(reply.body)["errors"]["title"]
    time.sleep(0.3)
    assert incidents(database_url) == []


def test_a_double_submit_makes_one_incident(
    standin: SlackStandIn, bot: RunningBot, database_url: str
) -> None:
    view = open_declare_modal(standin, bot)
    payload = standin.view_submission_payload(state(FULL_FORM), view_id=view["id"])
    with ThreadPoolExecutor(3) as pool:
        replies = list(pool.map(lambda _: bot.sender.interaction(payload), range(3)))
    assert all(r.status == 200 for r in replies)
    standin.wait_for("pins.add")
    time.sleep(1)
    assert len(incidents(database_url)) == 1
    assert len(standin.calls("conversations.create")) == 1
    assert len(standin.responses()) == 1


def test_hostile_title_pings_nobody(standin: SlackStandIn, bot: RunningBot, database_url: str) -> None:
    view = open_declare_modal(standin, bot)
    submit(standin, bot, view, {**FULL_FORM, "title": HOSTILE.replace("\n", " ")[:120], "impact": HOSTILE})
    standin.wait_for("pins.add")
    confirmation = standin.wait_for_response()
    for call in standin.calls("chat.postMessage"):
        assert_no_live_tokens(call.args["text"])
        for block in call.args["blocks"]:
            if block["type"] != "header":
                assert_no_live_tokens(json.dumps(block))
    channel = incidents(database_url)[0].channel_id or ""
    assert_no_live_tokens(standin.topic(channel).replace("<@U0ALICE>", ""))
    assert_no_live_tokens(json.dumps(confirmation))


def test_slack_failing_keeps_the_incident_and_finishes_later(
    standin: SlackStandIn, bot: RunningBot, database_url: str
) -> None:
    standin.fail_next("conversations.create", status=500, times=6)
    payload = standin.slash_command_payload(text="declare P1 Database on fire")
    assert "is declared" in answer(bot.sender.command(payload))["text"]
    [incident] = incidents(database_url)
    assert incident.channel_id is None
    # the announcement still went out, saying the channel is pending
    broadcast = standin.wait_for("chat.postMessage", lambda c: "incident-response" in str(c.args["channel"]))
    assert "(channel pending)" in json.dumps(broadcast.args["blocks"])
    # after five failed attempts the declarer hears that it is late, once
    late = standin.wait_for(
        "chat.postMessage",
        lambda c: c.args["channel"] == "U0ALICE" and "could not" in c.args["text"],  # not her role DM
        timeout=30,
    )
    assert (
        "could not create the incident channel" in late.args["text"] and "keep retrying" in late.args["text"]
    )
    # the channel is made once Slack answers again, and the announcement edited to link it
    created = standin.wait_for("conversations.create", lambda c: c.response.get("ok") is True, timeout=30)
    channel = created.response["channel"]["id"]
    update = standin.wait_for("chat.update", timeout=10)
    assert f"<#{channel}>" in json.dumps(update.args["blocks"])
    wait_settled(database_url)
    assert incidents(database_url)[0].channel_id == channel
    reply = standin.wait_for_response(payload["response_url"])
    assert "Declared INC-" in reply["text"] and f"<#{channel}>" in json.dumps(reply["blocks"])
    assert len([c for c in standin.calls("conversations.create") if c.response.get("ok")]) == 1
