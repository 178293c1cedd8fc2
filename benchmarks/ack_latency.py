"""Ack latency side by side with its floor, in one run.

Run: .venv/bin/python benchmarks/ack_latency.py [REQUESTS_PER_SCENARIO] [DATABASE_URL]

The real bot (``incident-bot run``, HTTP mode, waitress) against the local Slack stand-in, and a
bare Bolt app on the same waitress server that only acks (``floor_app.py``); the stand-in answers
in 50-300 ms, as Slack does. For ``/incident help``
and the declare fast path, at 1, 10 and 50 concurrent clients, the same load goes to the floor and
then to the bot; latency is from sending a signed request to its HTTP response (Slack's ack, due
within 3 s). A bot reply that does not say what was asked for (a declare that was not saved) counts
as an error. The bot uses a throwaway SQLite file unless DATABASE_URL (an empty database) is given.

The declare has a second yardstick: the same bare app committing, before its ack, the rows one real
declare writes (``bare_commit.py``: plain inserts in one transaction) to a database of the same
kind (its own SQLite file, or its own schema in DATABASE_URL). That is the physical floor of
"acknowledged means saved". Prints a Markdown table with p50/p95/p99 and the bot's ratio to each.
"""

from __future__ import annotations

import sys
import tempfile
import uuid
from collections.abc import Callable
from functools import partial
from pathlib import Path

from common import SLACK_LATENCY, Floor, load, machine, percentile
from sqlalchemy import create_engine, text

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
    database = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    schema = f"floor_{uuid.uuid4().hex[:8]}"
    floor_url = (
        f"{url}?options=-csearch_path%3D{schema}"
        if database == "PostgreSQL"
        else f"sqlite:///{tmp / 'floor.db'}"
    )
    if database == "PostgreSQL":
        with create_engine(url).begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    rows = []
    with SlackStandIn() as standin:
        standin.set_latency(*SLACK_LATENCY)
        bot = start_bot(tmp, bot_env(standin, url, LOG_LEVEL="WARNING", SLACK_CHANNEL_PACE="1"))
        floor, saving = Floor(), Floor(floor_url)
        try:
            for name, (words, says) in COMMANDS.items():

                def done(reply: Reply, says: str = says) -> bool:
                    return reply.status == 200 and says in reply.body

                for clients in CLIENTS:
                    load(clients, requests(standin, floor.sender, words, 20))  # warm up all
                    load(clients, requests(standin, bot.sender, words, 20), done)
                    base, base_errors = load(clients, requests(standin, floor.sender, words, count))
                    saved: list[float] | None = None
                    if name != "help":
                        load(clients, requests(standin, saving.sender, words, 20))
                        saved, saved_errors = load(clients, requests(standin, saving.sender, words, count))
                        base_errors += saved_errors
                    ours, errors = load(clients, requests(standin, bot.sender, words, count), done)
                    rows.append((name, clients, base, saved, base_errors, ours, errors))
        finally:
            floor.stop()
            saving.stop()
            bot.stop()
    if database == "PostgreSQL":
        with create_engine(url).begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    print(f"Ack latency, {count} requests per scenario, the bot on {database} ({machine()})\n")
    print(
        "| command | clients | floor: ack p50 / p95 / p99 | floor: commit + ack p50 / p95 / p99 "
        "| bot p50 / p95 / p99 | bot ÷ nearest floor p50 / p95 / p99 | errors (floors / bot) |"
    )
    print("|---|---|---|---|---|---|---|")
    for name, clients, base, saved, base_errors, ours, errors in rows:
        floor_p = _ms(base)
        saved_p = _ms(saved) if saved is not None else None
        bot_p = _ms(ours)
        nearest = saved_p or floor_p
        ratios = [b / f for b, f in zip(bot_p, nearest, strict=True)]
        print(
            f"| {name} | {clients} | {_show(floor_p)} | {_show(saved_p) if saved_p else '–'} "
            f"| {_show(bot_p)} | {' / '.join(f'{r:.2f}×' for r in ratios)} | {base_errors} / {errors} |"
        )


def _ms(values: list[float]) -> list[float]:
    return [percentile(values, p) * 1000 for p in (50, 95, 99)]


def _show(values: list[float]) -> str:
    return " / ".join(f"{v:.1f}" for v in values) + " ms"


if __name__ == "__main__":
    main()
