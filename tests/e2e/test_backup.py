"""``incident-bot backup``: a consistent copy of a live SQLite database, taken during a storm of
declarations; a bot started on the copy carries on (reminders resume) and sends nothing twice, even
what the live bot delivered after the copy was taken."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.db.models import Incident
from playground.server import SlackStandIn
from tests.conftest import on_postgres
from tests.e2e.db import read
from tests.e2e.harness import bot_env, run_cli, start_bot, until

POLICY = """
severities:
  - {key: P1, label: Critical, response_target: 15m, update_cadence: 2s}
  - {key: P2, label: High, response_target: 1h, update_cadence: 30m}
"""
STORM = 40


def channels_made(url: str) -> int:
    return len(
        read(url, lambda s: list(s.scalars(select(Incident.id).where(Incident.channel_id.is_not(None)))))
    )


@pytest.mark.skipif(on_postgres(), reason="a SQLite file is what this copies; PostgreSQL has pg_dump")
def test_a_backup_taken_in_a_storm_restores_and_carries_on(tmp_path: Path) -> None:
    live, restored = tmp_path / "live", tmp_path / "restored"
    live.mkdir()
    restored.mkdir()
    (tmp_path / "policy.yml").write_text(POLICY)
    url, copy = f"sqlite:///{live / 'bot.db'}", restored / "bot.db"
    with SlackStandIn() as standin:  # one workspace: the restored bot talks to the same Slack
        env = bot_env(standin, url, INCIDENT_BOT_CONFIG=str(tmp_path / "policy.yml"))
        bot = start_bot(live, env)
        try:
            answered: list[int] = []

            def storm() -> None:
                for n in range(STORM):
                    payload = standin.slash_command_payload(text=f"declare P1 Outage {n}")
                    answered.append(bot.sender.command(payload).status)
                    time.sleep(0.1)  # a storm that lasts while the copy is taken

            thread = threading.Thread(target=storm)
            thread.start()
            until(lambda: len(answered) >= 4, what="the storm under way")
            made = run_cli(["backup", str(copy)], env, live)
            thread.join()
            assert made.returncode == 0, made.stderr
            assert "a consistent copy" in made.stdout
            again = run_cli(["backup", str(copy)], env, live)
            assert again.returncode == 2 and "exists" in again.stderr  # never over an earlier copy
            until(lambda: channels_made(url) == STORM, what="every channel, after the copy was taken too")
        finally:
            assert bot.stop() == 0

        checked = sqlite3.connect(copy)
        try:
            assert checked.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        finally:
            checked.close()
        restored_url = f"sqlite:///{copy}"
        kept = read(restored_url, lambda s: list(s.scalars(select(Incident).order_by(Incident.id))))
        assert 1 <= len(kept) < STORM  # taken in the middle of the storm
        reminders_before = len(standin.calls("chat.postMessage"))

        env = bot_env(standin, restored_url, INCIDENT_BOT_CONFIG=str(tmp_path / "policy.yml"))
        bot = start_bot(restored, env)
        try:
            until(
                lambda: [
                    c
                    for c in standin.calls("chat.postMessage")[reminders_before:]
                    if "update on" in str(c.args.get("text"))
                ],
                what="a reminder from the restored bot",
            )
            until(lambda: channels_made(restored_url) == len(kept), what="the copy's channels known")
        finally:
            assert bot.stop() == 0

        # nothing twice: one channel and one announcement in it per incident the copy holds
        for incident in kept:
            slug = "-" + incident.title.lower().replace(" ", "-")
            created = [
                c for c in standin.calls("conversations.create") if c.ok and c.args["name"].endswith(slug)
            ]
            assert len(created) == 1, (incident.ref, [c.args["name"] for c in created])
            channel = created[0].response["channel"]["id"]
            announced = [
                c
                for c in standin.calls("chat.postMessage")
                if c.ok and c.args["channel"] == channel and "Incident declared" in c.args["text"]
            ]
            assert len(announced) == 1, (incident.ref, json.dumps([c.args["text"] for c in announced]))
