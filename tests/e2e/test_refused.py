"""When Slack refuses for good: what the bot can fix it fixes (the bot removed from a public
channel joins again); what it cannot (an archived channel) it reports once, in the incident
channel when it can and to the person who acted, and keeps as failed for `incident-bot outbox`."""

from __future__ import annotations

from pathlib import Path

from playground.server import SlackStandIn
from tests.e2e.db import effects, wait_settled
from tests.e2e.flows import declare
from tests.e2e.harness import RunningBot, bot_env, run_cli


def test_removed_from_the_channel_the_bot_joins_again(
    standin: SlackStandIn, bot: RunningBot, database_url: str
) -> None:
    incident = declare(standin, bot, database_url, "P2 Orders stuck")
    channel = incident.channel_id or ""
    standin.remove_member(channel, "UBOT")
    bot.sender.command(standin.slash_command_payload(text="update Replaying the queue", channel_id=channel))
    wait_settled(database_url)
    refused = [c for c in standin.calls() if c.response.get("error") == "not_in_channel"]
    assert refused  # the edit, the topic: they need the bot in the channel (a post does not)
    assert standin.wait_for("conversations.join", lambda c: c.args["channel"] == channel).ok
    assert "UBOT" in standin.members(channel)
    assert [m for m in standin.messages(channel) if "Replaying the queue" in m["text"]]
    assert not effects(database_url, "failed")


def test_an_archived_channel_is_reported_once_and_kept_as_failed(
    standin: SlackStandIn, bot: RunningBot, database_url: str, tmp_path: Path
) -> None:
    incident = declare(standin, bot, database_url, "P2 Orders stuck", user="U0BOB")
    channel = incident.channel_id or ""
    standin.archive(channel)
    for n in range(2):
        bot.sender.command(
            standin.slash_command_payload(text=f"update Step {n}", channel_id=channel, user_id="U0CAROL")
        )
    wait_settled(database_url)
    failed = effects(database_url, "failed")
    assert failed and all(e.last_error == "is_archived" for e in failed), [
        (e.key, e.last_error) for e in failed
    ]
    updates = [e for e in failed if e.key.endswith("/update@incident")]
    assert len(updates) == 2
    reports = [c for c in standin.calls("chat.postMessage") if c.ok and c.args["channel"] == "U0CAROL"]
    assert reports and all("is_archived" in c.args["text"] and "given up" in c.args["text"] for c in reports)
    assert len(reports) == len(updates)  # once per refused update, to Carol, who posted it
    # the updates still went where they could: under the announcement
    assert (
        len(
            [
                c
                for c in standin.calls("chat.postMessage")
                if c.ok and "Step" in c.args["text"] and c.args.get("thread_ts")
            ]
        )
        == 2
    )
    listed = run_cli(["outbox"], bot_env(standin, database_url), tmp_path)
    assert listed.returncode == 0 and "failed" in listed.stdout and "last error: is_archived" in listed.stdout
