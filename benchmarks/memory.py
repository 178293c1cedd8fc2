"""Resident memory of the bot: after start, and after 10,000 incidents declared and resolved.

Run: .venv/bin/python benchmarks/memory.py [INCIDENTS]
The real bot (HTTP mode, SQLite) against the stand-in; each incident is declared on the fast path
and resolved through its form; the outbox delivers everything (pacing off). Incidents are declared,
then resolved, in rounds of 500, each round delivered before the next, so the run measures what
the bot keeps rather than a backlog of 80,000 effects (which docs/benchmarks.md covers apart).
RSS from /proc.
"""

from __future__ import annotations

import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from common import machine, rss_mb

from playground.server import SlackStandIn
from tests.e2e.db import incidents, wait_settled
from tests.e2e.harness import bot_env, start_bot, state

FORM = {"summary": "Fixed", "root_cause": "A bad deploy", "fix": "Rolled back"}
ROUND = 500  # incidents declared (or resolved) before waiting for the outbox to drain


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    tmp = Path(tempfile.mkdtemp())
    url = f"sqlite:///{tmp / 'bench.db'}"
    with SlackStandIn() as standin:
        bot = start_bot(tmp, bot_env(standin, url, LOG_LEVEL="WARNING"))
        try:
            time.sleep(2)
            started = rss_mb(bot.process.pid)
            with ThreadPoolExecutor(8) as pool:
                for start in range(0, count, ROUND):
                    list(
                        pool.map(
                            lambda n: bot.sender.command(
                                standin.slash_command_payload(text=f"declare P3 Incident {n}")
                            ),
                            range(start, min(start + ROUND, count)),
                        )
                    )
                    wait_settled(url, timeout=3600)
                    standin.reset_calls()
            declared = rss_mb(bot.process.pid)

            def resolve(channel: str) -> None:
                payload = standin.slash_command_payload(text="resolve", channel_id=channel)
                bot.sender.command(payload)
                opened = standin.wait_for(
                    "views.open", lambda c: c.args.get("trigger_id") == payload["trigger_id"], timeout=30
                )
                bot.sender.interaction(
                    standin.view_submission_payload(state(FORM), view_id=opened.response["view"]["id"])
                )

            channels = [i.channel_id or "" for i in incidents(url)]
            with ThreadPoolExecutor(8) as pool:
                for start in range(0, len(channels), ROUND):
                    standin.reset_calls()  # the stand-in's call log is searched for each form
                    list(pool.map(resolve, channels[start : start + ROUND]))
                    wait_settled(url, timeout=3600)
            resolved = rss_mb(bot.process.pid)
        finally:
            bot.stop()
    print(f"Resident memory of the bot ({machine()})\n")
    print("| after start | after declaring | after resolving | goal |")
    print("|---|---|---|---|")
    print(
        f"| {started:.0f} MB | {declared:.0f} MB ({count:,} incidents) | {resolved:.0f} MB | under 150 MB |"
    )


if __name__ == "__main__":
    main()
