"""What the benchmarks share: percentiles, a load of concurrent clients, the bot and its floor."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playground.sender import Reply, SignedSender  # noqa: E402
from tests.e2e.harness import SIGNING_SECRET, free_port  # noqa: E402

# How long Slack takes to answer a call (seconds, uniformly at random): the stand-in answers like that
# in the benchmarks where delivery competes with what is measured.
SLACK_LATENCY = (0.05, 0.3)


def percentile(values: Sequence[float], p: float) -> float:
    """The nearest-rank percentile (p in 0..100) of ``values``."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def answered(reply: Reply) -> bool:
    return reply.status == 200


def load(
    clients: int, requests: list[Callable[[], Reply]], ok: Callable[[Reply], bool] = answered
) -> tuple[list[float], int]:
    """Send ``requests`` from ``clients`` threads, each as fast as it can; (latencies, errors).
    A reply that ``ok`` refuses (say, "nothing was saved") is an error, not a latency."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    queue = list(requests)

    def client() -> None:
        nonlocal errors
        while True:
            with lock:
                if not queue:
                    return
                send = queue.pop()
            try:
                reply = send()
                good = ok(reply)
            except OSError:
                good = False
            with lock:
                if good:
                    latencies.append(reply.elapsed)
                else:
                    errors += 1

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, errors


class Floor:
    """A bare Bolt app on the same waitress server as the bot, that only acks (the yardstick); given a
    database, it commits the rows of a declare before it acks one."""

    def __init__(self, database_url: str | None = None) -> None:
        self.port = free_port()
        script = ROOT / "benchmarks" / "floor_app.py"
        self.process = subprocess.Popen(
            [
                sys.executable,
                str(script),
                str(self.port),
                SIGNING_SECRET,
                *([database_url] if database_url else []),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        self.sender = SignedSender(f"http://127.0.0.1:{self.port}", SIGNING_SECRET)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if self.sender.command({"command": "/incident", "text": "ping"}).status == 200:
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("the floor app did not start")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)


def rss_mb(pid: int) -> float:
    """Resident memory of a process, in MB (from /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def machine() -> str:
    cores = os.cpu_count()
    memory = 0.0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            memory = int(line.split()[1]) / 1024 / 1024
    return f"{cores} cores, {memory:.0f} GiB, Python {sys.version.split()[0]}"
