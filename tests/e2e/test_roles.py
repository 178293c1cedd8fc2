"""Roles end to end: take, assign, release, handover, refusals, races and repeats, through the stand-in."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from bot.db.models import Incident, TimelineEvent
from playground.server import SlackStandIn
from tests.e2e.db import wait_settled
from tests.e2e.harness import RunningBot, answer
from tests.slack_checks import check_message


def load(database_url: str) -> tuple[Incident, list[TimelineEvent]]:
    engine = create_engine(database_url)
    try:
        with Session(engine) as session:
            incident = session.scalars(select(Incident)).one()
            events = list(session.scalars(select(TimelineEvent).order_by(TimelineEvent.id)))
            return incident, events
    finally:
        engine.dispose()


def declare(standin: SlackStandIn, bot: RunningBot, database_url: str) -> Incident:
    payload = standin.slash_command_payload(text="declare P1 Payments down", user_id="U0ALICE")
    bot.sender.command(payload)
    standin.wait_for_response(payload["response_url"], timeout=10)
    wait_settled(database_url)
    incident, _ = load(database_url)
    standin.reset()
    return incident


def press(
    standin: SlackStandIn,
    bot: RunningBot,
    incident: Incident,
    action: str,
    role: str,
    user: str,
    **extra: Any,
) -> dict[str, Any]:
    stored = incident.message("announcement")
    assert stored is not None
    if action == "role_assign":
        payload = standin.block_actions_payload(
            action,
            None,
            user,
            channel_id=stored.channel_id,
            message_ts=stored.ts,
            block_id=f"role:{incident.id}:{role}",
            selected_user=extra["target"],
        )
    else:
        payload = standin.block_actions_payload(
            action, f"{incident.id}:{role}", user, channel_id=stored.channel_id, message_ts=stored.ts
        )
    reply = bot.sender.interaction(payload)
    assert reply.status == 200 and reply.elapsed < 3
    return payload


def announcement_texts(standin: SlackStandIn, incident: Incident) -> dict[str, str]:
    """The current announcement in every channel it was posted in, by purpose."""
    texts = {}
    for stored in incident.messages:
        [message] = [m for m in standin.messages(stored.channel_id) if m["ts"] == stored.ts]
        check_message(message)
        texts[stored.purpose] = json.dumps(message["blocks"])
    return texts


def settle(standin: SlackStandIn, method: str, count: int, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while len(standin.calls(method)) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)  # anything that would come twice has had its chance


def test_take_a_role(standin: SlackStandIn, bot: RunningBot, database_url: str) -> None:
    incident = declare(standin, bot, database_url)
    press(standin, bot, incident, "role_take", "tech_lead", "U0BOB")
    settle(standin, "chat.update", 3)
    updates = {(c.args["channel"], c.args["ts"]) for c in standin.calls("chat.update")}
    assert updates == {(m.channel_id, m.ts) for m in incident.messages}  # all three copies, edited in place
    for text in announcement_texts(standin, incident).values():
        assert "*Tech Lead:* <@U0BOB>" in text and "*Tech Lead:*\\n<@U0BOB>" in text
    channel = incident.channel_id or ""
    line = standin.wait_for("chat.postMessage", lambda c: c.args["channel"] == channel)
    assert line.args["text"] == "<@U0BOB> is now Tech Lead."
    dm = standin.wait_for("chat.postMessage", lambda c: c.args["channel"] == "U0BOB")
    check_message(dm.args)
    assert "You are now Tech Lead" in dm.args["text"] and "Lead the technical investigation" in json.dumps(
        dm.args["blocks"]
    )
    assert "U0BOB" in standin.members(channel)
    assert standin.wait_for("conversations.invite").args["users"] == "U0BOB"
    assert standin.topic(channel).startswith("P1 · Investigating · IC: <@U0ALICE>")
    _, events = load(database_url)
    assert (events[-1].kind, events[-1].actor, events[-1].details) == (
        "role_assigned",
        "U0BOB",
        {"role": "tech_lead", "user": "U0BOB"},
    )


def test_assign_handover_and_release(standin: SlackStandIn, bot: RunningBot, database_url: str) -> None:
    incident = declare(standin, bot, database_url)
    press(standin, bot, incident, "role_take", "tech_lead", "U0BOB")
    settle(standin, "chat.update", 3)
    wait_settled(database_url)
    standin.reset()
    # the commander hands Tech Lead from Bob to Carol with the picker
    press(standin, bot, incident, "role_assign", "tech_lead", "U0ALICE", target="U0CAROL")
    lost = standin.wait_for("chat.postMessage", lambda c: c.args["channel"] == "U0BOB")
    assert "handed Tech Lead to <@U0CAROL>" in lost.args["text"]
    gained = standin.wait_for("chat.postMessage", lambda c: c.args["channel"] == "U0CAROL")
    assert "(given by <@U0ALICE>)" in json.dumps(gained.args["blocks"])
    line = standin.wait_for("chat.postMessage", lambda c: c.args["channel"] == incident.channel_id)
    assert line.args["text"] == "Tech Lead handed over from <@U0BOB> to <@U0CAROL>."
    # the commander role changes hands by command; the topic follows at once
    standin.reset()
    payload = standin.slash_command_payload(
        text="ic <@U0DAVE|dave>", user_id="U0ALICE", channel_id=incident.channel_id or ""
    )
    bot.sender.command(payload)
    standin.wait_for("conversations.setTopic")
    assert standin.topic(incident.channel_id or "").startswith("P1 · Investigating · IC: <@U0DAVE>")
    expected = "Incident Commander handed over from <@U0ALICE> to <@U0DAVE>."
    standin.wait_for("chat.postMessage", lambda c: c.args["text"] == expected)
    standin.wait_for("chat.postMessage", lambda c: c.args["channel"] == "U0DAVE")
    # Carol steps down
    standin.reset()
    press(standin, bot, incident, "role_release", "tech_lead", "U0CAROL")
    line = standin.wait_for("chat.postMessage", lambda c: c.args["channel"] == incident.channel_id)
    assert line.args["text"] == "<@U0CAROL> stepped down as Tech Lead; the role is unassigned."
    settle(standin, "chat.update", 3)
    for text in announcement_texts(standin, incident).values():
        assert "*Tech Lead:* _unassigned_" in text and "*Incident Commander:* <@U0DAVE>" in text
    _, events = load(database_url)
    assert [e.kind for e in events][-3:] == ["role_handed_over", "role_handed_over", "role_released"]
    assert events[-2].details == {"role": "ic", "user": "U0DAVE", "previous": "U0ALICE"}


def test_refusals_change_nothing(standin: SlackStandIn, bot: RunningBot, database_url: str) -> None:
    incident = declare(standin, bot, database_url)
    press(standin, bot, incident, "role_take", "tech_lead", "U0BOB")
    settle(standin, "chat.update", 3)
    wait_settled(database_url)
    standin.reset()
    payload = press(standin, bot, incident, "role_assign", "tech_lead", "U0CAROL", target="U0DAVE")
    refusal = standin.wait_for_response(payload["response_url"])
    assert (
        refusal["text"]
        == "<@U0BOB> holds Tech Lead. Only <@U0ALICE> or <@U0BOB>, or an incident admin may reassign it."
    )
    for target, reason in (("U0OTHERBOT", "is a bot"), ("U0GONE", "is deactivated"), ("UBOT", "myself")):
        payload = press(standin, bot, incident, "role_assign", "scribe", "U0ALICE", target=target)
        assert reason in standin.wait_for_response(payload["response_url"])["text"]
    time.sleep(0.3)
    assert not standin.calls("chat.update") and not standin.calls("chat.postMessage")
    incident, _ = load(database_url)
    assert incident.holder("tech_lead") == "U0BOB" and incident.holder("scribe") is None


def test_race_and_double_click(standin: SlackStandIn, bot: RunningBot, database_url: str) -> None:
    incident = declare(standin, bot, database_url)
    stored = incident.message("announcement")
    assert stored is not None
    payloads = [
        standin.block_actions_payload(
            "role_take", f"{incident.id}:comms_lead", user, channel_id=stored.channel_id, message_ts=stored.ts
        )
        for user in ("U0BOB", "U0CAROL")
    ]
    with ThreadPoolExecutor(2) as pool:
        assert all(r.status == 200 for r in pool.map(bot.sender.interaction, payloads))
    loser_reply = None
    deadline = time.monotonic() + 10
    while loser_reply is None and time.monotonic() < deadline:
        replies = standin.responses()
        loser_reply = replies[0] if replies else None
        time.sleep(0.05)
    assert loser_reply is not None
    incident, events = load(database_url)
    winner = incident.holder("comms_lead")
    assert winner in ("U0BOB", "U0CAROL")
    assert f"<@{winner}>" in loser_reply["text"]
    assert [e.kind for e in events].count("role_assigned") == 2  # the commander at declare, and the winner

    # the winner double-clicks: nothing changes, nothing is posted twice
    wait_settled(database_url)
    standin.reset()
    again = standin.block_actions_payload(
        "role_take",
        f"{incident.id}:comms_lead",
        winner or "",
        channel_id=stored.channel_id,
        message_ts=stored.ts,
    )
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(bot.sender.interaction, [again, again]))
    time.sleep(1)
    assert (
        not standin.calls("chat.postMessage") and not standin.calls("chat.update") and not standin.responses()
    )


def test_role_commands(standin: SlackStandIn, bot: RunningBot, database_url: str) -> None:
    incident = declare(standin, bot, database_url)
    channel = incident.channel_id or ""
    payload = standin.slash_command_payload(text="roles", channel_id=channel)
    panel = answer(bot.sender.command(payload))
    check_message(panel)
    assert "role_take" in json.dumps(panel["blocks"]) and "*Incident Commander:* <@U0ALICE>" in json.dumps(
        panel["blocks"]
    )
    payload = standin.slash_command_payload(text="role Scribe", user_id="U0CAROL", channel_id=channel)
    bot.sender.command(payload)
    standin.wait_for("chat.postMessage", lambda c: c.args.get("text") == "<@U0CAROL> is now Scribe.")
    payload = standin.slash_command_payload(text="role janitor <@U0BOB|bob>", channel_id=channel)
    reply = answer(bot.sender.command(payload))
    assert "Which role?" in reply["text"] and "tech_lead (Tech Lead)" in reply["text"]
    payload = standin.slash_command_payload(
        text="role tech-lead <@U0BOB|bob>", user_id="U0ALICE", channel_id=channel
    )
    bot.sender.command(payload)
    standin.wait_for("chat.postMessage", lambda c: c.args.get("text") == "<@U0BOB> is now Tech Lead.")
    payload = standin.slash_command_payload(
        text="role scribe <@U0BOB|bob>", user_id="U0ALICE", channel_id=channel
    )
    warning = answer(bot.sender.command(payload))
    assert "not troubleshooting" in warning["text"]
