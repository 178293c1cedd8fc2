"""Ack latency side by side with its floor, in one run.

Run: .venv/bin/python benchmarks/ack_latency.py [REQUESTS_PER_SCENARIO] [DATABASE_URL]

The real bot (``incident-bot run``, HTTP mode, waitress) against the local Slack stand-in, and a
bare Bolt app on the same waitress server that only acks (``floor_app.py``); the stand-in answers
in 50-300 ms, as Slack does. For ``/incident help``
and the declare fast path, at 1, 10 and 50 concurrent clients, the same load goes to the floor and
then to the bot; latency is from sending a signed request to its HTTP response (Slack's ack, due
within 3 s). A bot reply that does not say what was asked for (a declare that was not saved) counts
as an error. The bot uses a throwaway SQLite file unless DATABASE_URL (an empty database) is given.
Prints a Markdown table with p50/p95/p99 and the bot's ratio to the floor.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable
from functools import partial
from pathlib import Path

from common import SLACK_LATENCY, Floor, load, machine, percentile

from playground.sender import Reply, SignedSender
from playground.server import SlackStandIn
from tests.e2e.harness import bot_env, start_bot

CLIENTS = (1, 10, 50)
# What is asked, and what the bot's answer says when it did it.
COMMANDS: dict[str, tuple[Callable[[int], str], str]] = {
    "help": (lambda n: "help", "declare"),
    "declare fast path": (lambda n: f"declare P3 Benchmark incident {n}", "is declared"),
}


def requests(
    standin: SlackStandIn, sender: SignedSender, text: Callable[[int], str], count: int
) -> list[Callable[[], Reply]]:
    payloads = [standin.slash_command_payload(text=text(n)) for n in range(count)]
    return [partial(sender.command, p) for p in payloads]


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 400
    tmp = Path(tempfile.mkdtemp())
    url = sys.argv[2] if len(sys.argv) > 2 else f"sqlite:///{tmp / 'bench.db'}"
    rows = []
    with SlackStandIn() as standin:
        standin.set_latency(*SLACK_LATENCY)
        bot = start_bot(tmp, bot_env(standin, url, LOG_LEVEL="WARNING", SLACK_CHANNEL_PACE="1"))
        floor = Floor()
        try:
            for name, (text, says) in COMMANDS.items():

                def done(reply: Reply, says: str = says) -> bool:
                    return reply.status == 200 and says in reply.body

                for clients in CLIENTS:
                    load(clients, requests(standin, floor.sender, text, 20))  # warm up both
                    load(clients, requests(standin, bot.sender, text, 20), done)
                    base, base_errors = load(clients, requests(standin, floor.sender, text, count))
                    ours, errors = load(clients, requests(standin, bot.sender, text, count), done)
                    rows.append((name, clients, base, base_errors, ours, errors))
        finally:
            floor.stop()
            bot.stop()
    database = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    print(f"Ack latency, {count} requests per scenario, the bot on {database} ({machine()})\n")
    print(
        "| command | clients | floor p50 / p95 / p99 | bot p50 / p95 / p99 "
        "| bot ÷ floor p50 / p95 / p99 | errors (floor / bot) |"
    )
    print("|---|---|---|---|---|---|")
    for name, clients, base, base_errors, ours, errors in rows:
        floor_p = [percentile(base, p) * 1000 for p in (50, 95, 99)]
        bot_p = [percentile(ours, p) * 1000 for p in (50, 95, 99)]
        ratios = [b / f for b, f in zip(bot_p, floor_p, strict=True)]
        print(
            f"| {name} | {clients} | {' / '.join(f'{v:.1f}' for v in floor_p)} ms "
            f"| {' / '.join(f'{v:.1f}' for v in bot_p)} ms | {' / '.join(f'{r:.2f}×' for r in ratios)} "
            f"| {base_errors} / {errors} |"
        )


if __name__ == "__main__":
    main()
