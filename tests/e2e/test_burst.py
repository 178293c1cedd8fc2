"""A burst: twenty updates at once in one incident, with Slack's one-message-a-second pacing on.
The posts wait their turn in the outbox; forms open at once; every update is posted exactly once,
in order."""

from __future__ import annotations

import itertools
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy import select

from bot.db.models import StatusUpdate
from playground.server import SlackStandIn
from tests.e2e.db import read, wait_settled
from tests.e2e.flows import declare
from tests.e2e.harness import bot_env, known_channel, opened_by, start_bot

UPDATES = 20


def test_a_burst_of_updates_never_delays_a_form(
    standin: SlackStandIn, database_url: str, tmp_path: Path
) -> None:
    bot = start_bot(tmp_path, bot_env(standin, database_url, SLACK_CHANNEL_PACE="1"))
    try:
        incident = declare(standin, bot, database_url, "P1 Checkout is down")
        channel = incident.channel_id or ""
        standin.reset()
        payloads = [
            standin.slash_command_payload(text=f"update Step {n} of the rollback", channel_id=channel)
            for n in range(UPDATES)
        ]
        with ThreadPoolExecutor(UPDATES) as pool:
            replies = list(pool.map(bot.sender.command, payloads))
        assert all(r.status == 200 and r.elapsed < 3 for r in replies), [r.elapsed for r in replies]
        # forty posts wait their turn (one a second per channel); forms open at once regardless
        for text in ("resolve", "declare"):
            payload = standin.slash_command_payload(text=text, channel_id=channel)
            sent = time.time()
            bot.sender.command(payload)
            opened = standin.wait_for("views.open", opened_by(payload), timeout=3)
            assert opened.ok, opened.response
            assert opened.at - sent < 1.0, opened.at - sent
        wait_settled(database_url, timeout=90)

        posts = [c for c in standin.calls("chat.postMessage") if c.ok and "of the rollback" in c.args["text"]]
        places = Counter(c.response["channel"] for c in posts)
        announcements = known_channel(standin, "incident-response")["id"]
        assert places == {channel: UPDATES, announcements: UPDATES}  # each update once in each place
        assert not [
            k for k, n in Counter((c.response["channel"], c.args["text"]) for c in posts).items() if n > 1
        ]
        # in commit order, paced at one a second
        committed = read(
            database_url, lambda s: list(s.scalars(select(StatusUpdate.text).order_by(StatusUpdate.id)))
        )
        in_channel = [c for c in posts if c.response["channel"] == channel]
        assert [c.args["text"].split(" · ", 1)[1] for c in in_channel] == committed
        gaps = [b.at - a.at for a, b in itertools.pairwise(in_channel)]
        assert min(gaps) >= 0.9, gaps
        threaded = [c for c in posts if c.response["channel"] == announcements]
        assert all(c.args.get("thread_ts") for c in threaded)
    finally:
        assert bot.stop() == 0, bot.log()
