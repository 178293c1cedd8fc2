"""A storm of declarations against Slack's real limits: 30 P2s declared over 60 s, the stand-in
enforcing each method's tier per (real, 60-second) minute. Measured: the time from the first
declaration until every channel is complete (created, announced, invited, pinned, topic set), and
the calls made before a Retry-After had passed (violations: the goal is none).

Side by side, the floor: the earliest the tiers allow the same calls, given the same declaration
times (each Tier 2 method's k-th call no sooner than its (k-20)-th plus a minute).

Run: .venv/bin/python benchmarks/declaration_storm.py [DECLARATIONS] [SECONDS]
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from common import machine
from sqlalchemy import select

from bot.db.models import Incident
from playground.server import SlackStandIn
from playground.tiers import PER_MINUTE
from tests.e2e.db import read
from tests.e2e.harness import bot_env, start_bot

# the Tier 2 calls each declaration owes (one each)
NEEDED = ("conversations.create", "pins.add", "conversations.setTopic")


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 60.0
    tmp = Path(tempfile.mkdtemp())
    url = f"sqlite:///{tmp / 'bench.db'}"
    with SlackStandIn() as standin:
        tiers = standin.enforce_tiers()
        bot = start_bot(tmp, bot_env(standin, url, LOG_LEVEL="WARNING"))
        try:
            start = time.time()
            declared: list[float] = []
            for n in range(count):
                wait = start + n * seconds / count - time.time()
                if wait > 0:
                    time.sleep(wait)
                declared.append(time.time() - start)
                bot.sender.command(standin.slash_command_payload(text=f"declare P2 Outage {n}"))
            deadline = time.monotonic() + 30 * 60
            done_at = None
            while time.monotonic() < deadline:
                if _complete(standin, url, count):
                    done_at = time.time() - start
                    break
                time.sleep(0.5)
        finally:
            bot.stop()
        violations = tiers.total_violations()
        limited = dict(tiers.limited)
    floor = max(_earliest(declared, PER_MINUTE[m]) for m in NEEDED)
    print(
        f"Declaration storm: {count} P2s over {seconds:.0f} s, Slack's tiers enforced per 60 s minute "
        f"({machine()})\n"
    )
    print("| | every channel complete | violations | 429s answered |")
    print("|---|---|---|---|")
    took = f"{done_at:.1f} s" if done_at is not None else "not within 30 minutes"
    answered = ", ".join(f"{m} {n}" for m, n in sorted(limited.items())) or "none"
    print(f"| the bot | {took} | {violations} | {answered} |")
    print(f"| floor: the earliest the tiers allow | {floor:.1f} s | 0 | |")


def _earliest(arrivals: list[float], per_minute: int) -> float:
    """When the last of one call per arrival can go at the earliest within a budget a minute."""
    calls: list[float] = []
    for k, at in enumerate(arrivals):
        calls.append(max(at, calls[k - per_minute] + 60.0) if k >= per_minute else at)
    return calls[-1]


def _complete(standin: SlackStandIn, url: str, count: int) -> bool:
    channels = read(url, lambda s: [c for c in s.scalars(select(Incident.channel_id)) if c])
    if len(channels) < count:
        return False
    pinned = {c.args["channel"] for c in standin.calls("pins.add") if c.ok}
    announced = {
        c.args["channel"]
        for c in standin.calls("chat.postMessage")
        if c.ok and "Incident declared" in c.args["text"]
    }
    invited = {c.args["channel"] for c in standin.calls("conversations.invite") if c.ok}
    return all(
        c in pinned and c in announced and c in invited and standin.topic(c).startswith("P2 ·")
        for c in channels
    )


if __name__ == "__main__":
    main()
