"""The yardstick for ack latency: a bare Bolt app that only acks ``/incident``, served by waitress
with the bot's settings (16 threads, backlog 1024, ``process_before_response``). Given a database,
it also commits the rows of one declare (``bare_commit.py``) before it acks a ``declare``.

Run: python benchmarks/floor_app.py PORT SIGNING_SECRET [DATABASE_URL]
"""

from __future__ import annotations

import sys

from bare_commit import BareCommit
from slack_bolt import Ack, App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.authorization import AuthorizeResult
from waitress.server import create_server


def main() -> None:
    port, secret = int(sys.argv[1]), sys.argv[2]
    bare = BareCommit(sys.argv[3]) if len(sys.argv) > 3 else None

    def authorize(**_: object) -> AuthorizeResult:  # no call to Slack: the floor only acks
        return AuthorizeResult(
            enterprise_id=None, team_id="T0TEST", bot_token="xoxb-floor", bot_user_id="UBOT"
        )

    app = App(signing_secret=secret, process_before_response=True, authorize=authorize)

    def ack_only(ack: Ack, command: dict[str, str]) -> None:
        if bare is not None and command.get("text", "").startswith("declare"):
            bare.commit()
        ack()

    app.command("/incident")(ack_only)
    handler = SlackRequestHandler(app)
    server = create_server(handler, host="127.0.0.1", port=port, threads=16, backlog=1024)
    server.run()


if __name__ == "__main__":
    main()
