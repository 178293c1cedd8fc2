"""Message metadata comes back only when asked for; a hook runs after Slack did the work and
before the reply leaves (so a test can lose the reply)."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient

from playground import SlackStandIn

KEY = {"event_type": "incident_bot_effect", "event_payload": {"key": "INC-1:update:7"}}


def test_metadata_only_with_include_all_metadata(client: WebClient, incident_channel: str) -> None:
    posted = client.chat_postMessage(channel=incident_channel, text="parent", metadata=KEY)
    client.chat_postMessage(channel=incident_channel, text="reply", thread_ts=posted["ts"], metadata=KEY)
    plain = client.conversations_history(channel=incident_channel)["messages"]
    assert all("metadata" not in m for m in plain)
    full = client.conversations_history(channel=incident_channel, include_all_metadata=True)["messages"]
    assert full[0]["metadata"] == KEY
    thread = client.conversations_replies(
        channel=incident_channel, ts=posted["ts"], include_all_metadata=True
    )
    assert [m.get("metadata") for m in thread["messages"]] == [KEY, KEY]


def test_before_reply_runs_after_the_work(
    standin: SlackStandIn, client: WebClient, incident_channel: str
) -> None:
    seen: list[tuple[str, Any]] = []
    hook = standin.before_reply(
        "chat.postMessage",
        lambda method, args, reply: seen.append((args["text"], len(standin.messages(incident_channel)))),
        lambda args: args.get("text") == "watched",
    )
    client.chat_postMessage(channel=incident_channel, text="ignored")
    client.chat_postMessage(channel=incident_channel, text="watched")
    assert seen == [("watched", 2)]  # the message was already stored when the hook ran
    hook.remove()
    client.chat_postMessage(channel=incident_channel, text="watched")
    assert len(seen) == 1
