"""An announcement edit is skipped when the post itself already showed that state, and never when a
change came after the post was rendered."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playground.records import Call
from playground.server import SlackStandIn
from tests.e2e.db import incidents, wait_settled
from tests.e2e.harness import bot_env, start_bot

RESPONSE = ("incident-response", "C0INCRESP")  # the announcement channel, by name or id


def about(title: str) -> Callable[[dict[str, Any]], bool]:
    """A call's arguments: a message in #incident-response about this incident."""
    return lambda args: args.get("channel") in RESPONSE and title in json.dumps(args)


def posted(title: str) -> Callable[[Call], bool]:
    return lambda call: about(title)(call.args)


def test_an_edit_the_post_already_shows_is_not_sent_but_a_later_change_is(
    standin: SlackStandIn, database_url: str, tmp_path: Path
) -> None:
    # posts in #incident-response go one every 2 s: the second and third announcements wait their
    # turn while their channels are created (which owes an edit of each to show the channel)
    bot = start_bot(tmp_path, bot_env(standin, database_url, SLACK_CHANNEL_PACE="2"))
    try:
        held = standin.hold("chat.postMessage", about("Third outage"))
        for title in ("First outage", "Second outage", "Third outage"):
            bot.sender.command(standin.slash_command_payload(text=f"declare P2 {title}"))
        assert held.wait_held(timeout=15), standin.describe_calls()  # the third announcement, rendered
        _, second, third = sorted(incidents(database_url), key=lambda i: i.id)
        assert second.channel_id and third.channel_id
        # a change after that rendering: the edit it owes must still go
        reply = bot.sender.command(
            standin.slash_command_payload(text="status monitoring", channel_id=third.channel_id)
        )
        assert reply.status == 200
        held.release()
        wait_settled(database_url, timeout=30)
        posts = {title: standin.wait_for("chat.postMessage", posted(title)) for title in ("Second", "Third")}
        edits = [c for c in standin.calls("chat.update") if c.args.get("channel") in RESPONSE]
        second_ts, third_ts = posts["Second"].response["ts"], posts["Third"].response["ts"]
        # the second announcement was posted after its channel existed: no edit for it
        assert f"<#{second.channel_id}>" in json.dumps(posts["Second"].args)
        assert [e for e in edits if e.args["ts"] == second_ts] == []
        # the third was rendered before the status change: edited once after, to show it
        [edit] = [e for e in edits if e.args["ts"] == third_ts]
        assert "Monitoring" in json.dumps(edit.args)
        assert "Monitoring" not in json.dumps(posts["Third"].args)
    finally:
        held.release()
        assert bot.stop() == 0, bot.log()
