"""Odd and hostile requests: a clear reply or a 4xx, never a 500, never a stack trace, no secrets."""

from __future__ import annotations

import time
from pathlib import Path

from playground.server import SlackStandIn
from tests.e2e.harness import SIGNING_SECRET, RunningBot, answer, bot_env, start_bot


def test_secrets_stay_out_of_the_logs_even_at_debug(
    standin: SlackStandIn, database_url: str, tmp_path: Path
) -> None:
    bot = start_bot(tmp_path, bot_env(standin, database_url, LOG_LEVEL="DEBUG"))
    try:
        payload = standin.slash_command_payload(text="declare P1 Secrets")
        bot.sender.command(payload)
        standin.wait_for_response(payload["response_url"], timeout=10)
        bot.sender.command(standin.slash_command_payload(text="declare P1 x"), bad_signature=True)
    finally:
        assert bot.stop() == 0
    log = bot.log()
    assert "chat.postMessage" in log  # it did log the Slack traffic
    for secret in (SIGNING_SECRET, standin.config.bot_token):
        assert secret not in log


def test_odd_payloads_get_clear_answers(standin: SlackStandIn, bot: RunningBot) -> None:
    cases = {
        "unknown form": (bot.sender.post_form({"foo": "bar"}), 403),  # names no workspace, no app
        "payload not json": (bot.sender.post_form({"payload": "{not json"}), 400),
        "payload a list": (bot.sender.post_form({"payload": "[1,2]"}), 400),
        "no actions": (
            bot.sender.interaction({"type": "block_actions", "user": {"id": "U0ALICE"}, "actions": []}),
            400,
        ),
        "view without type": (
            bot.sender.interaction(
                {"type": "view_submission", "user": {"id": "U0ALICE"}, "view": {"id": "V1"}}
            ),
            400,
        ),
        "binary json": (bot.sender.post_raw(b"\xff\xfe" * 50, "application/json"), 400),
        "event without event": (bot.sender.event({"type": "event_callback", "event_id": "Ev1"}), 400),
        "crafted button value": (
            bot.sender.interaction(
                standin.block_actions_payload("role_take", "zzz", "U0ALICE", channel_id="C0GENERAL")
            ),
            200,
        ),
        "button for no incident": (
            bot.sender.interaction(
                standin.block_actions_payload("role_take", "999:ic", "U0ALICE", channel_id="C0GENERAL")
            ),
            200,
        ),
    }
    for name, (reply, status) in cases.items():
        assert reply.status == status, (name, reply)
    huge = standin.slash_command_payload(text="declare P1 " + "x" * 200_000)
    assert "at most 120 are allowed" in answer(bot.sender.command(huge))["text"]
    odd = standin.slash_command_payload(text='   DECLARE    P9   "quoted"  ')
    assert "P9 is not a severity" in answer(bot.sender.command(odd))["text"]
    time.sleep(1)
    stale = [r for r in standin.responses() if "not there (any more)" in r["text"]]
    assert len(stale) == 2
    log = bot.log()
    assert "Traceback" not in log
    for secret in (SIGNING_SECRET, standin.config.bot_token):
        assert secret not in log
    for response in standin.responses():
        assert "Traceback" not in response["text"] and "Error" not in response["text"]


def test_requests_from_another_workspace_or_app_are_refused(standin: SlackStandIn, bot: RunningBot) -> None:
    for field, value in (("team_id", "T0OTHER"), ("api_app_id", "A0OTHER")):
        payload = {**standin.slash_command_payload(text="declare P1 Not ours"), field: value}
        reply = bot.sender.command(payload)
        assert reply.status == 403 and not reply.body, (field, reply)
    press = standin.block_actions_payload("role_take", "1:ic", "U0ALICE", channel_id="C0GENERAL")
    press["team"] = {"id": "T0OTHER", "domain": "elsewhere"}
    press["user"]["team_id"] = "T0OTHER"
    assert bot.sender.interaction(press).status == 403
    ours = standin.slash_command_payload(text="help")
    assert "/incident declare" in answer(bot.sender.command(ours))["text"]  # its own are served
    time.sleep(0.3)
    assert (
        not standin.calls("conversations.create") and "refused a request from workspace T0OTHER" in bot.log()
    )
