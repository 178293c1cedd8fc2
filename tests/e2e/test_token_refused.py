"""When Slack refuses the bot itself (a revoked or rotated token, a scope the app lacks), nothing is
lost: every effect waits, nothing is marked failed, the bot says so once and in /healthz, and what
waited goes out by itself, each once and in order, as soon as Slack accepts the bot again."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

from bot.config.policy import load_policy
from bot.incidents import updates
from playground.records import Call
from playground.scopes import manifest_scopes
from playground.server import SlackStandIn
from tests.e2e import db
from tests.e2e.harness import RunningBot, answer, bot_env, run_cli, start_bot, until

POLICY = """
severities:
  - {key: P1, label: Critical, response_target: 15m, update_cadence: 3s}
  - {key: P2, label: High, response_target: 1h, update_cadence: 30m}
"""


def health(bot: RunningBot) -> tuple[int, dict[str, Any]]:
    try:
        with urllib.request.urlopen(f"{bot.url}/healthz", timeout=5) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def env(standin: SlackStandIn, database_url: str, tmp_path: Path, **extra: str) -> dict[str, str]:
    policy = tmp_path / "policy.yml"
    policy.write_text(POLICY)
    return bot_env(
        standin,
        database_url,
        INCIDENT_BOT_CONFIG=str(policy),
        SCHEDULER_TICK="0.3",
        SLACK_RETRY_AFTER="1",
        **extra,
    )


def declare(standin: SlackStandIn, bot: RunningBot, title: str = "Checkout is down") -> None:
    payload = standin.slash_command_payload(text=f"declare P1 {title}", user_id="U0ALICE")
    assert "is declared" in answer(bot.sender.command(payload))["text"]


def errors_logged(bot: RunningBot, words: str) -> list[str]:
    return [line for line in bot.log().splitlines() if " ERROR " in line and words in line]


def test_a_refused_token_holds_everything_and_it_all_goes_out_once_slack_accepts_it(
    standin: SlackStandIn, database_url: str, tmp_path: Path
) -> None:
    bot = start_bot(tmp_path, env(standin, database_url, tmp_path))
    try:
        standin.refuse_token("invalid_auth")
        declare(standin, bot)  # saved and acknowledged: Slack is not needed for that
        until(lambda: errors_logged(bot, "Slack refuses the bot's token (invalid_auth)"), what="the hold")
        [incident] = db.incidents(database_url)
        engine = create_engine(database_url)
        sessions = sessionmaker(engine, expire_on_commit=False)
        policy = load_policy(tmp_path / "policy.yml")
        now = incident.declared_at
        updates.post_update(sessions, policy, incident.id, author="U0ALICE", text="Rolled back v2.3", now=now)
        engine.dispose()
        # the 3 s cadence passes while Slack refuses the bot: the reminder is owed and waits too
        until(lambda: "reminder_sent" in db.timeline_kinds(database_url), what="the reminder owed")
        time.sleep(2)  # probes come and go; nothing moves
        status, body = health(bot)
        assert (
            status == 503 and body["ok"] is False and body["slack"].startswith("refused: invalid_auth since")
        )
        assert not db.effects(database_url, "failed")
        assert all(e.attempts <= 1 for e in db.effects(database_url, "pending"))  # no attempt spent
        assert len(errors_logged(bot, "Slack refuses")) == 1  # said once
        listed = run_cli(["outbox"], bot_env(standin, database_url), tmp_path)
        assert "HELD: Slack refuses the bot (invalid_auth)" in listed.stdout, listed

        standin.refuse_token(None)
        channel = until(lambda: db.incidents(database_url)[0].channel_id, what="the channel")
        until(lambda: any("due" in m.get("text", "") for m in standin.messages(channel)), what="the reminder")
        texts = [m.get("text", "") for m in standin.messages(channel, include_replies=False)]

        def first(words: str) -> int:
            return next(i for i, t in enumerate(texts) if words in t)

        assert first("Checkout is down") < first("Rolled back v2.3") < first("due")  # in order
        creates = [c for c in standin.calls("conversations.create") if c.response.get("ok")]
        assert len(creates) == 1 and sum("Rolled back v2.3" in t for t in texts) == 1  # each once
        until(lambda: health(bot)[0] == 200, what="healthy again")
        assert health(bot)[1]["slack"] == "ok"
        assert not db.effects(database_url, "failed")
    finally:
        assert bot.stop() == 0
    assert "Traceback" not in bot.log(), bot.log()


def test_a_restart_with_a_new_token_delivers_everything_held(
    standin: SlackStandIn, database_url: str, tmp_path: Path
) -> None:
    first = start_bot(tmp_path, env(standin, database_url, tmp_path))
    try:
        standin.rotate_token("xoxb-rotated")  # an admin rotates the token: the bot's is refused now
        declare(standin, first, "Payments failing")
        until(lambda: errors_logged(first, "Slack refuses the bot's token"), what="the hold")
    finally:
        assert first.stop() == 0
    assert not db.effects(database_url, "failed") and db.pending_effects(database_url)
    second = start_bot(tmp_path, env(standin, database_url, tmp_path, SLACK_BOT_TOKEN="xoxb-rotated"))
    try:
        channel = until(lambda: db.incidents(database_url)[0].channel_id, what="the channel")
        until(lambda: standin.messages(channel), what="the announcement")
        db.wait_settled(database_url)
        assert not db.effects(database_url, "failed")
        assert (
            len(
                [
                    m
                    for m in standin.messages(channel, include_replies=False)
                    if "Payments failing" in m["text"]
                ]
            )
            == 1
        )
        assert health(second)[0] == 200
    finally:
        assert second.stop() == 0


def test_a_missing_scope_holds_that_kind_only_and_says_which_scope_once(
    standin: SlackStandIn, database_url: str, tmp_path: Path
) -> None:
    standin.set_scopes((manifest_scopes() or frozenset()) - {"pins:write"})
    bot = start_bot(tmp_path, env(standin, database_url, tmp_path))
    try:
        declare(standin, bot, "Search is slow")
        declare(standin, bot, "Login is slow")
        until(lambda: errors_logged(bot, "the app needs the pins:write scope"), what="the scope hold")

        def channels_with_topics() -> bool:  # the rest of each incident goes on
            found = db.incidents(database_url)
            return len(found) == 2 and all(i.channel_id and standin.topic(i.channel_id) for i in found)

        until(channels_with_topics, what="both channels and their topics")
        tried = len(standin.calls("pins.add"))
        time.sleep(1.5)
        assert len(errors_logged(bot, "pins:write")) == 1
        assert len(standin.calls("pins.add")) == tried <= 2  # not tried again while held
        status, body = health(bot)
        assert status == 200 and body["missing_scopes"] == ["pins:write"]
        pins = [e for e in db.pending_effects(database_url) if e.kind == "pin"]
        assert len(pins) == 2 and not db.effects(database_url, "failed")

        standin.set_scopes(manifest_scopes() or frozenset())  # the app reinstalled with the scope
        until(
            lambda: all(standin.pins(i.channel_id or "") for i in db.incidents(database_url)),
            what="both pinned",
        )
        assert "missing_scopes" not in health(bot)[1]
    finally:
        assert bot.stop() == 0
    assert "Traceback" not in bot.log(), bot.log()


def test_a_channel_slack_will_not_create_is_said_once_and_reminders_go_to_the_announcement_thread(
    standin: SlackStandIn, database_url: str, tmp_path: Path
) -> None:
    standin.fail_next("conversations.create", error="restricted_action", times=1000)
    bot = start_bot(tmp_path, env(standin, database_url, tmp_path))
    try:
        declare(standin, bot, "Disk full")

        def told() -> list[Call]:
            said = "could not create the incident channel"
            return [c for c in standin.calls("chat.postMessage") if said in c.args.get("text", "")]

        until(lambda: [c for c in told() if c.args["channel"] == "U0ALICE"], what="the declarer told")
        broadcast = until(lambda: db.incidents(database_url)[0].message("broadcast"), what="the announcement")

        def in_thread(words: str) -> list[dict[str, Any]]:
            thread = [m for m in standin.messages("incident-response") if m.get("thread_ts") == broadcast.ts]
            return [m for m in thread if words in m["text"]]

        until(lambda: in_thread("could not create the incident channel"), what="the notice in the thread")
        until(lambda: in_thread("due"), timeout=15, what="a reminder in the announcement's thread")
        time.sleep(1)
        assert len(in_thread("could not create the incident channel")) == 1  # told once
        assert len(told()) == 2  # the declarer, and the announcement's thread
        failed = db.effects(database_url, "failed")
        assert [e.kind for e in failed] == ["create_channel"], [(e.kind, e.last_error) for e in failed]

        # Slack allows it now: the operator owes the failed effects of that incident again
        standin.clear_faults()
        ref = db.incidents(database_url)[0].ref
        retried = run_cli(
            ["outbox", "--retry-failed", "--incident", ref], bot_env(standin, database_url), tmp_path
        )
        assert f"1 failed effect(s) of {ref} owed again" in retried.stdout, retried
        until(lambda: db.incidents(database_url)[0].channel_id, what="the channel, at last")
        assert not db.effects(database_url, "failed")
    finally:
        assert bot.stop() == 0
    assert "Traceback" not in bot.log(), bot.log()
