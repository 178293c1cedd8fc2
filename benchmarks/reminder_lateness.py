"""Reminder lateness with 150 open P1s at a 30 s cadence (the load of thousands of open P1s at 15
minutes: 5 reminders a second).

Run: .venv/bin/python benchmarks/reminder_lateness.py [INCIDENTS] [SECONDS]
The stand-in answers in 50-300 ms, as Slack does. Lateness is from the time a reminder was due to
the time its post reached Slack; the goal is a p99 within one scheduler tick (5 s by default) plus
1 s.
"""

from __future__ import annotations

import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

from common import SLACK_LATENCY, machine, percentile
from sqlalchemy import select

from bot.db.models import Incident, TimelineEvent
from playground.server import SlackStandIn
from tests.e2e.db import read
from tests.e2e.harness import bot_env, start_bot

CADENCE = 30


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 150
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 100
    tmp = Path(tempfile.mkdtemp())
    policy = tmp / "policy.yml"
    policy.write_text(
        f"severities:\n  - {{key: P1, label: Critical, response_target: 15m, update_cadence: {CADENCE}s}}\n"
    )
    url = f"sqlite:///{tmp / 'bench.db'}"
    with SlackStandIn() as standin:
        standin.set_latency(*SLACK_LATENCY)
        bot = start_bot(
            tmp,
            bot_env(standin, url, LOG_LEVEL="WARNING", INCIDENT_BOT_CONFIG=str(policy), SCHEDULER_TICK="5"),
        )
        tick = 5.0
        try:
            payloads = [standin.slash_command_payload(text=f"declare P1 Outage {n}") for n in range(count)]
            with ThreadPoolExecutor(10) as pool:
                list(pool.map(bot.sender.command, payloads))
            time.sleep(seconds)
        finally:
            bot.stop()
        incidents = read(url, lambda s: {i.channel_id: i for i in s.scalars(select(Incident))})
        sent = read(
            url,
            lambda s: list(
                s.execute(
                    select(TimelineEvent.incident_id, TimelineEvent.at)
                    .where(TimelineEvent.kind == "reminder_sent")
                    .order_by(TimelineEvent.id)
                )
            ),
        )
        posts = [c for c in standin.calls("chat.postMessage") if c.ok and "update on" in c.args["text"]]
    # each reminder was due one cadence after the declaration, or after the reminder before it
    due: dict[int, list[float]] = {}
    for incident in incidents.values():
        due[incident.id] = [(incident.declared_at + timedelta(seconds=CADENCE)).timestamp()]
    for incident_id, at in sent:
        due[incident_id].append((at + timedelta(seconds=CADENCE)).timestamp())
    lateness: list[float] = []
    seen: dict[int, int] = {}
    for post in sorted(posts, key=lambda c: c.at):
        incident = incidents[post.args["channel"]]
        k = seen.get(incident.id, 0)
        seen[incident.id] = k + 1
        lateness.append(post.at - due[incident.id][k])
    print(f"Reminder lateness, {count} open P1s at a {CADENCE} s cadence, tick {tick:.0f} s ({machine()})\n")
    print("| reminders | p50 | p95 | p99 | max | goal (p99) |")
    print("|---|---|---|---|---|---|")
    print(
        f"| {len(lateness)} | {percentile(lateness, 50):.2f} s | {percentile(lateness, 95):.2f} s "
        f"| {percentile(lateness, 99):.2f} s | {max(lateness):.2f} s | {tick + 1:.0f} s |"
    )


if __name__ == "__main__":
    main()
