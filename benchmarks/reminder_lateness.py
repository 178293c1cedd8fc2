"""Reminder lateness with 150 open P1s at a 30 s cadence (the load of thousands of open P1s at 15
minutes: 5 reminders a second).

Run: .venv/bin/python benchmarks/reminder_lateness.py [INCIDENTS] [SECONDS] [DELIVERY_WORKERS]
The stand-in answers in 50-300 ms, as Slack does. Lateness is from the time a reminder was due to
the time its post reached Slack; the goal is a p99 within one scheduler tick (5 s by default) plus
1 s. The incidents are declared at once, so the first reminders come due while their declarations'
own effects (channels, announcements, invites, pins, topics) are still being delivered: those are
shown apart ("during the declare storm") from the steady load that follows.
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

from bot.db.models import Incident, OutboxEffect, TimelineEvent
from playground.server import SlackStandIn
from tests.e2e.db import read
from tests.e2e.harness import bot_env, start_bot

CADENCE = 30


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 150
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 100
    workers = {"DELIVERY_WORKERS": sys.argv[3]} if len(sys.argv) > 3 else {}
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
            bot_env(
                standin,
                url,
                LOG_LEVEL="WARNING",
                INCIDENT_BOT_CONFIG=str(policy),
                SCHEDULER_TICK="5",
                **workers,
            ),
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
        last_declared = max(i.declared_at for i in incidents.values())
        # when the incident channels had what the declarations owed them
        storm_over = read(
            url,
            lambda s: s.scalar(
                select(OutboxEffect.delivered_at)
                .where(OutboxEffect.lane.like("incident:%"), OutboxEffect.created_at <= last_declared)
                .order_by(OutboxEffect.delivered_at.desc())
                .limit(1)
            ),
        )
        posts = [c for c in standin.calls("chat.postMessage") if c.ok and "update on" in c.args["text"]]
    # each reminder was due one cadence after the declaration, or after the reminder before it
    due: dict[int, list[float]] = {}
    for incident in incidents.values():
        due[incident.id] = [(incident.declared_at + timedelta(seconds=CADENCE)).timestamp()]
    for incident_id, at in sent:
        due[incident_id].append((at + timedelta(seconds=CADENCE)).timestamp())
    storm: list[float] = []
    steady: list[float] = []
    seen: dict[int, int] = {}
    for post in sorted(posts, key=lambda c: c.at):
        incident = incidents[post.args["channel"]]
        k = seen.get(incident.id, 0)
        seen[incident.id] = k + 1
        was_due = due[incident.id][k]
        during = storm_over is not None and was_due <= storm_over.timestamp()
        (storm if during else steady).append(post.at - was_due)
    took = (storm_over - min(i.declared_at for i in incidents.values())).total_seconds() if storm_over else 0
    print(
        f"Reminder lateness, {count} open P1s at a {CADENCE} s cadence, tick {tick:.0f} s, "
        f"{workers.get('DELIVERY_WORKERS', 'default')} delivery workers ({machine()})\n"
    )
    print(f"The declarations' own effects took {took:.1f} s to deliver.\n")
    print("| reminders due | count | p50 | p95 | p99 | max | goal (p99) |")
    print("|---|---|---|---|---|---|---|")
    for name, lateness in (("during the declare storm", storm), ("after it (the steady load)", steady)):
        if lateness:
            print(
                f"| {name} | {len(lateness)} | {percentile(lateness, 50):.2f} s "
                f"| {percentile(lateness, 95):.2f} s | {percentile(lateness, 99):.2f} s "
                f"| {max(lateness):.2f} s | {tick + 1:.0f} s |"
            )


if __name__ == "__main__":
    main()
