"""A burst of reminders: 200 open P1s whose update reminders all fall due in the same second, Slack
answering every call in 150 ms. Lateness is from that second to when each reminder's post reached
Slack; the goal is a p99 within one scheduler tick plus 1 s.

Side by side in the same run, the floor: the same 200 posts sent straight to the same stand-in by
a bare slack_sdk client with as many calls in flight as the bot is allowed (no database, no claims).

Run: .venv/bin/python benchmarks/reminder_burst.py [INCIDENTS] [DELIVERY_WORKERS] [POSTGRESQL_URL]
(SQLite unless a PostgreSQL URL is given: a fresh schema in it, dropped afterwards)
"""

from __future__ import annotations

import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

from common import machine, percentile
from slack_sdk import WebClient
from sqlalchemy import create_engine, select, text, update

from bot.config.settings import Settings
from bot.db.models import ScheduledWork, TimelineEvent
from bot.incidents.work import UPDATE_REMINDER
from playground.server import SlackStandIn
from tests.e2e.db import owed, read
from tests.e2e.harness import bot_env, start_bot

LATENCY = 0.15
TICK = 1.0


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    workers = sys.argv[2] if len(sys.argv) > 2 else None
    tmp = Path(tempfile.mkdtemp())
    policy = tmp / "policy.yml"
    policy.write_text(
        "severities:\n  - {key: P1, label: Critical, response_target: 15m, update_cadence: 1h}\n"
    )
    base = sys.argv[3] if len(sys.argv) > 3 else ""
    schema = f"burst_{uuid.uuid4().hex[:8]}"
    url = f"{base}?options=-csearch_path%3D{schema}" if base else f"sqlite:///{tmp / 'bench.db'}"
    if base:
        with create_engine(base).begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    extra = {"DELIVERY_WORKERS": workers} if workers else {}
    with SlackStandIn() as standin:
        settings = {"LOG_LEVEL": "WARNING", "INCIDENT_BOT_CONFIG": str(policy), "SCHEDULER_TICK": str(TICK)}
        env = bot_env(standin, url, **settings, **extra)
        bot = start_bot(tmp, env)
        try:
            payloads = [standin.slash_command_payload(text=f"declare P1 Outage {n}") for n in range(count)]
            with ThreadPoolExecutor(10) as pool:
                list(pool.map(bot.sender.command, payloads))
            deadline = time.monotonic() + 600
            while owed(url) and time.monotonic() < deadline:
                time.sleep(0.5)
            standin.set_latency(LATENCY)
            due = datetime.now(UTC) + timedelta(seconds=2)
            engine = create_engine(url)
            with engine.begin() as connection:
                connection.execute(
                    update(ScheduledWork).where(ScheduledWork.kind == UPDATE_REMINDER).values(due_at=due)
                )
            engine.dispose()
            deadline = time.monotonic() + 60
            while len(_reminders(standin)) < count and time.monotonic() < deadline:
                time.sleep(0.2)
            lateness = [c.at - due.timestamp() for c in _reminders(standin)]
            decided = read(
                url,
                lambda s: [
                    (at - due).total_seconds()
                    for at in s.scalars(select(TimelineEvent.at).where(TimelineEvent.kind == "reminder_sent"))
                ],
            )
            channels = sorted({c.args["channel"] for c in standin.calls("chat.postMessage") if c.ok})
        finally:
            bot.stop()
        in_flight = int(workers or Settings.model_fields["delivery_workers"].default)
        floor = _floor(standin, channels[:count], in_flight)
    if base:
        with create_engine(base).begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    print(
        f"Reminder burst: {count} P1 reminders due in the same second, Slack answering in "
        f"{LATENCY * 1000:.0f} ms, tick {TICK:.0f} s, DELIVERY_WORKERS {workers or 'default'}, "
        f"{'PostgreSQL' if base else 'SQLite'} ({machine()})\n"
    )
    print("| sender | reminders | p50 | p99 | max | goal (p99) |")
    print("|---|---|---|---|---|---|")
    rows = (
        ("the bot: decided (the tick's transaction)", decided),
        ("the bot: posted", lateness),
        ("floor: a bare client, same calls in flight", floor),
    )
    for name, values in rows:
        print(
            f"| {name} | {len(values)} | {percentile(values, 50):.2f} s | {percentile(values, 99):.2f} s "
            f"| {max(values):.2f} s | {TICK + 1:.0f} s |"
        )


def _reminders(standin: SlackStandIn) -> list:  # type: ignore[type-arg]
    return [c for c in standin.calls("chat.postMessage") if c.ok and "update on" in c.args["text"]]


def _floor(standin: SlackStandIn, channels: list[str], in_flight: int) -> list[float]:
    """The same posts from a bare client: seconds from the start to each answer."""
    client = WebClient(token=standin.config.bot_token, base_url=standin.api_url)
    start = time.time()

    def post(channel: str) -> float:
        client.chat_postMessage(channel=channel, text="An update on the incident is due")
        return time.time() - start

    with ThreadPoolExecutor(in_flight) as pool:
        return list(pool.map(post, channels))


if __name__ == "__main__":
    main()
