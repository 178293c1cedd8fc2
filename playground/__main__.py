"""``python -m playground``: run a stand-in until interrupted (for demos and manual poking)."""

from __future__ import annotations

import argparse
import signal
import threading
from types import FrameType

from playground.server import SlackStandIn


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m playground", description=__doc__)
    parser.add_argument("--port", type=int, default=0, help="HTTP port (default: any free port)")
    parser.add_argument("--bot-token", default="xoxb-test")
    parser.add_argument("--app-token", default="xapp-test")
    options = parser.parse_args(argv)
    standin = SlackStandIn(options.bot_token, options.app_token, http_port=options.port)
    finished = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        finished.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    with standin:
        print(f"SLACK_API_URL={standin.api_url}", flush=True)
        print(f"Socket Mode port: {standin.socket_port}", flush=True)
        while not finished.wait(0.5):
            pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
