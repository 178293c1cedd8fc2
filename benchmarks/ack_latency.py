"""Ack latency under load: the real bot (HTTP mode, waitress) against the local Slack stand-in.

Run: .venv/bin/python benchmarks/ack_latency.py [CLIENTS] [REQUESTS_PER_CLIENT]
Each client sends signed `/incident help` commands as fast as it can; the numbers are the time
from sending a request to Slack's ack (the HTTP response), which Slack needs within 3 seconds.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playground.server import SlackStandIn
from tests.e2e.harness import bot_env, start_bot


def main() -> None:
    clients = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    per_client = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    tmp = Path(tempfile.mkdtemp())
    with SlackStandIn() as standin:
        bot = start_bot(tmp, bot_env(standin, f"sqlite:///{tmp / 'bench.db'}", LOG_LEVEL="WARNING"))
        try:
            latencies: list[float] = []
            errors: list[str] = []
            lock = threading.Lock()
            payloads = [
                [standin.slash_command_payload(text="help") for _ in range(per_client)]
                for _ in range(clients)
            ]

            def client(mine: list[dict[str, str]]) -> None:
                for payload in mine:
                    try:
                        reply = bot.sender.command(payload)
                        with lock:
                            (latencies if reply.status == 200 else errors).append(
                                reply.elapsed if reply.status == 200 else str(reply.status)
                            )  # type: ignore[arg-type]
                    except OSError as exc:
                        with lock:
                            errors.append(type(exc).__name__)

            threads = [threading.Thread(target=client, args=(p,)) for p in payloads]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        finally:
            bot.stop()
    latencies.sort()
    p95 = latencies[int(len(latencies) * 0.95) - 1] if latencies else float("nan")
    print(f"{clients} clients x {per_client} requests: {len(latencies)} acked, {len(errors)} errors")
    print(
        f"ack latency ms: p50 {statistics.median(latencies) * 1000:.1f}, p95 {p95 * 1000:.1f}, "
        f"max {latencies[-1] * 1000:.1f}"
    )


if __name__ == "__main__":
    main()
