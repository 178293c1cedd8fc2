"""Delivery throughput with 1, 2 and 4 replicas on one PostgreSQL database: effects a second, Slack
answering every call in 150 ms, tiers off. The same declarations go to the first replica each time
(10 clients), and every reply is checked (a declaration not saved is counted, and what the bot
said is printed); throughput is the effects delivered over the time from the first declaration to
the last delivery. Two floors, side by side: what the replicas' delivery threads could send if each
did nothing but wait for Slack (replicas × DELIVERY_WORKERS ÷ 150 ms); and what this workload
allows at best, counted from the calls each run made: a lane's calls go one after another, and so
do a replica's calls of each kind sent one at a time (channel, pin, topic, bookmark), so the run
takes at least its longest lane, or its busiest one-at-a-time kind divided among the replicas,
at 150 ms a call.

Run: .venv/bin/python benchmarks/replica_throughput.py POSTGRESQL_URL [DECLARATIONS] [REPLICAS ...]
"""

from __future__ import annotations

import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from common import machine
from sqlalchemy import create_engine, func, select, text

from bot.config.settings import Settings
from bot.db.models import OutboxEffect
from bot.slack.delivery_rules import SMALL_BUDGET
from playground.server import SlackStandIn
from tests.e2e.db import owed, read
from tests.e2e.harness import RunningBot, bot_env, start_bot

LATENCY = 0.15
WORKERS = Settings.model_fields["delivery_workers"].default  # (the default: 32)
PACE = "0"  # SLACK_CHANNEL_PACE: posts per channel unpaced, to measure the delivery machinery alone


def run(base: str, replicas: int, count: int) -> tuple[int, float, int, list[str], float]:
    schema = f"replicas_{uuid.uuid4().hex[:8]}"
    with create_engine(base).begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = f"{base}?options=-csearch_path%3D{schema}"
    tmp = Path(tempfile.mkdtemp())
    bots: list[RunningBot] = []
    try:
        with SlackStandIn() as standin:
            settings = {"LOG_LEVEL": "WARNING", "DELIVERY_WORKERS": str(WORKERS), "SLACK_CHANNEL_PACE": PACE}
            for _ in range(replicas):
                bots.append(start_bot(tmp, bot_env(standin, url, **settings)))
            standin.set_latency(LATENCY)
            payloads = [standin.slash_command_payload(text=f"declare P2 Outage {n}") for n in range(count)]
            start = time.time()

            def declare(payload: dict[str, str]) -> str:
                """What the reply said, "" when the declaration was saved."""
                try:
                    reply = bots[0].sender.command(payload)
                except OSError as exc:
                    return f"no reply: {exc}"
                return "" if reply.status == 200 and "is declared" in reply.body else reply.body[:200]

            with ThreadPoolExecutor(10) as pool:
                answers = list(pool.map(declare, payloads))
            deadline = time.monotonic() + 900
            while owed(url) and time.monotonic() < deadline:
                time.sleep(0.2)
            took = time.time() - start
            why = [line for line in bots[0].log().splitlines() if "nothing was saved (" in line]
            for bot in bots:
                bot.stop()
            bots.clear()
        delivered = read(
            url,
            lambda s: int(
                s.scalar(
                    select(func.count()).select_from(OutboxEffect).where(OutboxEffect.state == "delivered")
                )
                or 0
            ),
        )
        refused = [a for a in answers if a]
        said = sorted(set(refused))[:3] + why[:3]
        return delivered, took, count - len(refused), said, _least(url, replicas)
    finally:
        for bot in bots:
            bot.stop()
        with create_engine(base).begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


def _least(url: str, replicas: int) -> float:
    """The fewest seconds the calls this run made could take: its longest lane, or its busiest
    one-at-a-time kind shared among the replicas (every call at LATENCY)."""
    row = OutboxEffect
    calls = func.sum(row.attempts)
    by_lane = select(calls).group_by(row.lane)
    by_kind = select(calls).where(row.kind.in_(SMALL_BUDGET)).group_by(row.kind)
    lane = read(url, lambda s: max((int(n or 0) for n in s.scalars(by_lane)), default=0))
    kind = read(url, lambda s: max((int(n or 0) for n in s.scalars(by_kind)), default=0))
    return max(lane, kind / replicas) * LATENCY


def main() -> None:
    base = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 100
    counts = [int(n) for n in sys.argv[3:]] or [1, 2, 4]
    print(
        f"Replica throughput: {count} declarations, Slack at {LATENCY * 1000:.0f} ms, tiers off, "
        f"{WORKERS} delivery workers a replica, PostgreSQL ({machine()})\n"
    )
    print(
        "| replicas | declarations saved | effects delivered | seconds | effects a second "
        "| floor (threads ÷ latency) | floor (this workload: its longest chain of calls) |"
    )
    print("|---|---|---|---|---|---|---|")
    said: list[str] = []
    for replicas in counts:
        delivered, took, saved, refused, least = run(base, replicas, count)
        floor = replicas * WORKERS / LATENCY
        chain = f"{delivered / least:.1f} ({least:.1f} s)" if least else "–"
        rate = delivered / took
        print(f"| {replicas} | {saved} | {delivered} | {took:.1f} | {rate:.1f} | {floor:.0f} | {chain} |")
        said.extend(refused)
    for answer in sorted(set(said)):
        print(f"\nNot saved: {answer}")


if __name__ == "__main__":
    main()
