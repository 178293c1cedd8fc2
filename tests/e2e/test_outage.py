"""A database outage: PostgreSQL stopped for several seconds under a running bot.

Nothing acknowledged is lost, and nothing is acknowledged that was not saved: the form stays open
with its answers and says so, a command says nothing was saved, the health check says 503, the
log says it once; once the database is back the reminder due during the outage goes out once.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from playground.server import SlackStandIn
from tests.conftest import on_postgres
from tests.e2e.db import incidents
from tests.e2e.flows import declare
from tests.e2e.harness import RunningBot, bot_env, start_bot, state
from tests.e2e.pg_cluster import PgCluster, unavailable

CADENCE = 4
POLICY = f"severities:\n  - {{key: P1, label: Critical, response_target: 15m, update_cadence: {CADENCE}s}}\n"

pytestmark = [
    pytest.mark.skipif(not on_postgres(), reason="run in the PostgreSQL pass (it brings its own server)"),
    pytest.mark.skipif(unavailable() is not None, reason=str(unavailable())),
]


@pytest.fixture
def cluster() -> Iterator[PgCluster]:
    server = PgCluster()
    server.start()
    yield server
    server.destroy()


def health(bot: RunningBot) -> tuple[int, dict[str, object]]:
    try:
        with urllib.request.urlopen(f"{bot.url}/healthz", timeout=3) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def reminders(standin: SlackStandIn, channel: str) -> list[float]:
    return [
        c.at
        for c in standin.calls("chat.postMessage")
        if c.ok and c.args.get("channel") == channel and "update on" in str(c.args.get("text"))
    ]


def test_a_database_outage_loses_nothing_and_says_so(
    standin: SlackStandIn, cluster: PgCluster, tmp_path: Path
) -> None:
    policy = tmp_path / "policy.yml"
    policy.write_text(POLICY)
    env = bot_env(standin, cluster.url, INCIDENT_BOT_CONFIG=str(policy), DATABASE_TIMEOUT="1")
    bot = start_bot(tmp_path, env)
    try:
        incident = declare(standin, bot, cluster.url, "P1 Payments failing")
        channel = incident.channel_id or ""
        opening = standin.slash_command_payload(text="declare", user_id="U0BOB")
        bot.sender.command(opening)
        view = standin.wait_for("views.open", lambda c: c.args.get("trigger_id") == opening["trigger_id"])
        form = {"title": "Search is down", "severity": ("select", "P1")}
        submission = standin.view_submission_payload(
            state(form),
            view_id=view.response["view"]["id"],
            user_id="U0BOB",  # his own form
        )
        assert reminders(standin, channel) == []

        cluster.stop()
        stopped = time.time()
        reply = bot.sender.interaction(submission)  # the form stays open, with its answers
        assert reply.status == 200 and reply.elapsed < 3
        assert reply.json is not None and reply.json["response_action"] == "errors"
        assert "Nothing was saved" in reply.json["errors"]["title"]
        command = bot.sender.command(
            standin.slash_command_payload(text="update Still failing", channel_id=channel)
        )
        assert command.elapsed < 3 and "Nothing was saved" in command.json["text"]  # type: ignore[index]
        code, body = health(bot)
        assert code == 503 and body["ok"] is False
        time.sleep(max(0.0, stopped + CADENCE + 1 - time.time()))  # the reminder falls due meanwhile
        assert reminders(standin, channel) == []

        cluster.start()
        back = time.time()
        deadline = back + 5
        while health(bot)[0] != 200 and time.time() < deadline:
            time.sleep(0.1)
        assert health(bot)[0] == 200
        standin.wait_for(
            "chat.postMessage", lambda c: c.args.get("channel") == channel and "update on" in c.args["text"]
        )
        assert reminders(standin, channel)[0] - back < 2  # within a tick of recovery
        assert len(reminders(standin, channel)) == 1  # once, not once per tick it was due
        reply = bot.sender.interaction(submission)  # submitted again, now it is saved
        assert reply.status == 200 and not reply.body
        assert [i.title for i in incidents(cluster.url)] == ["Payments failing", "Search is down"]
    finally:
        assert bot.stop() == 0, bot.log()
    log = bot.log()
    assert "Traceback" not in log, log
    assert log.count("the database is unreachable") == 1, log
    assert log.count("the database is back") == 1, log
