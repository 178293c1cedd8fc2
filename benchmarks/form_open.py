"""Form-open latency while a hundred paced posts wait their turn.

Run: .venv/bin/python benchmarks/form_open.py [SAMPLES]
One P1 incident, pacing at Slack's one post a second per channel, the stand-in answering in
50-300 ms as Slack does; 100 updates arrive at once (200
posts to deliver: its channel and the thread under its announcement), and while they drain, people
run ``/incident update`` (which opens the update form). The time from the command to the
``views.open`` call reaching Slack must stay under 1 s (a trigger_id dies after 3 s).
"""

from __future__ import annotations

import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from common import SLACK_LATENCY, machine, percentile

from playground.server import SlackStandIn
from tests.e2e.db import pending_effects
from tests.e2e.flows import declare
from tests.e2e.harness import bot_env, opened_by, start_bot


def main() -> None:
    samples = int(sys.argv[1]) if len(sys.argv) > 1 else 60
    tmp = Path(tempfile.mkdtemp())
    url = f"sqlite:///{tmp / 'bench.db'}"
    waits: list[float] = []
    with SlackStandIn() as standin:
        standin.set_latency(*SLACK_LATENCY)
        bot = start_bot(tmp, bot_env(standin, url, LOG_LEVEL="WARNING", SLACK_CHANNEL_PACE="1"))
        try:
            channel = declare(standin, bot, url, "P1 Checkout is down").channel_id or ""
            burst = [
                standin.slash_command_payload(text=f"update Step {n}", channel_id=channel) for n in range(100)
            ]
            with ThreadPoolExecutor(20) as pool:
                list(pool.map(bot.sender.command, burst))
            backlog = len(pending_effects(url))
            for _ in range(samples):
                payload = standin.slash_command_payload(text="update", channel_id=channel)
                sent = time.time()
                bot.sender.command(payload)
                opened = standin.wait_for("views.open", opened_by(payload))
                assert opened.ok, opened.response
                waits.append(opened.at - sent)
                time.sleep(0.5)
            left = len(pending_effects(url))
        finally:
            bot.stop()
    print(f"Form-open latency during a burst of paced posts ({machine()})\n")
    print(f"{backlog} effects owed after the burst, {left} still owed after the last sample\n")
    print("| samples | p50 | p95 | p99 | max |")
    print("|---|---|---|---|---|")
    print(
        f"| {len(waits)} | {percentile(waits, 50) * 1000:.0f} ms | {percentile(waits, 95) * 1000:.0f} ms "
        f"| {percentile(waits, 99) * 1000:.0f} ms | {max(waits) * 1000:.0f} ms |"
    )


if __name__ == "__main__":
    main()
