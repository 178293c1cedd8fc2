"""The yardstick for ack latency: a bare Bolt app that only acks ``/incident``, served by waitress
with the bot's settings (16 threads, backlog 1024, ``process_before_response``).

Run: python benchmarks/floor_app.py PORT SIGNING_SECRET
"""

from __future__ import annotations

import sys

from slack_bolt import Ack, App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.authorization import AuthorizeResult
from waitress.server import create_server


def main() -> None:
    port, secret = int(sys.argv[1]), sys.argv[2]

    def authorize(**_: object) -> AuthorizeResult:  # no call to Slack: the floor only acks
        return AuthorizeResult(
            enterprise_id=None, team_id="T0TEST", bot_token="xoxb-floor", bot_user_id="UBOT"
        )

    app = App(signing_secret=secret, process_before_response=True, authorize=authorize)

    def ack_only(ack: Ack) -> None:
        ack()

    app.command("/incident")(ack_only)
    handler = SlackRequestHandler(app)
    server = create_server(handler, host="127.0.0.1", port=port, threads=16, backlog=1024)
    server.run()


if __name__ == "__main__":
    main()
