"""How many Slack calls each flow costs, counted at the stand-in, with the reason for each call.

Run: .venv/bin/python benchmarks/slack_calls.py
A P1 is declared on the fast path (announced in its channel, the announcement channel and the
leadership channel, no escalation targets configured), someone takes a role, an update is
posted, a reminder comes (the P1 cadence is 4 s here), and the incident is resolved.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from common import machine

from playground.records import Call
from playground.server import SlackStandIn
from tests.e2e.db import incidents, wait_settled
from tests.e2e.harness import RunningBot, bot_env, start_bot, state

POLICY = "severities:\n  - {key: P1, label: Critical, response_target: 15m, update_cadence: 4s}\n"


# Why each kind of post is sent, by the message its idempotency key names.
POSTS = {
    "announce": "the announcement",
    "role_dm": "a DM to the new role holder: what the role means and where the channel is",
    "role_changed": "the role change, said in the incident channel",
    "update": "the update",
    "update_reminder": "the commander is reminded that an update is due",
    "statuspage_draft": "a DM to the commander with a status-page draft of the resolution",
    "resolution": "the resolution",
}
# Why each other call is made.
CALLS = {
    "conversations.create": "the incident's own channel",
    "conversations.invite": "the person who declared (or took a role) joins the channel",
    "conversations.setTopic": "the topic shows severity, status and commander",
    "pins.add": "the announcement is pinned in the incident channel",
    "chat.update": "the announcement shows the new state",
    "views.open": "the resolve form (summary, root cause, fix)",
}


def reason(call: Call, names: dict[str, str]) -> str:
    """The call, where it went and why, e.g. ``chat.postMessage`` to #leadership: the announcement."""
    channel = str(call.args.get("channel") or "")
    where = f" {names.get(channel, channel)}" if channel else ""
    key: str = ((call.args.get("metadata") or {}).get("event_payload") or {}).get("key") or ""
    if call.method == "chat.postMessage" and key:
        tail = key.split("/", 1)[1]  # after the incident: announce/<place> or <event>/<message>@<place>
        kind = "announce" if tail.startswith("announce/") else tail.split("/", 1)[-1].split("@", 1)[0]
        why = POSTS.get(kind, kind)
    else:
        why = CALLS.get(call.method, "")
    return f"`{call.method}`{where}: {why}"


def channel_names(standin: SlackStandIn, calls: list[Call]) -> dict[str, str]:
    """``#name`` for each channel the calls went to (``DM`` for a person)."""
    names: dict[str, str] = {}
    for call in calls:
        channel = str(call.args.get("channel") or "")
        found = standin.channel(channel) if channel else None
        if channel:
            names[channel] = f"#{found['name']}" if found and found.get("name") else f"DM {channel}"
    return names


def flow(standin: SlackStandIn, database_url: str, act: Callable[[], object]) -> list[Call]:
    standin.reset_calls()
    act()
    time.sleep(0.3)
    wait_settled(database_url)
    return [c for c in standin.calls() if c.method != "auth.test"]


def main() -> None:
    tmp = Path(tempfile.mkdtemp())
    policy = tmp / "policy.yml"
    policy.write_text(POLICY)
    url = f"sqlite:///{tmp / 'bench.db'}"
    results: dict[str, list[Call]] = {}
    with SlackStandIn() as standin:
        bot: RunningBot = start_bot(
            tmp,
            bot_env(standin, url, LOG_LEVEL="WARNING", INCIDENT_BOT_CONFIG=str(policy), SCHEDULER_TICK="0.5"),
        )
        try:
            payload = standin.slash_command_payload(text="declare P1 Checkout is down")
            results["declare"] = flow(standin, url, lambda: bot.sender.command(payload))
            [incident] = incidents(url)
            channel, stored = incident.channel_id or "", incident.message("announcement")
            assert stored is not None
            take = standin.block_actions_payload(
                "role_take", f"{incident.id}:tech_lead", "U0BOB", channel_id=channel, message_ts=stored.ts
            )
            results["role change"] = flow(standin, url, lambda: bot.sender.interaction(take))
            update = standin.slash_command_payload(text="update Rolled back", channel_id=channel)
            results["update"] = flow(standin, url, lambda: bot.sender.command(update))
            results["reminder"] = flow(
                standin,
                url,
                lambda: standin.wait_for(
                    "chat.postMessage", lambda c: "update on" in c.args["text"], timeout=15
                ),
            )
            resolve = standin.slash_command_payload(text="resolve", channel_id=channel)

            def resolving() -> None:
                bot.sender.command(resolve)
                opened = standin.wait_for(
                    "views.open", lambda c: c.args.get("trigger_id") == resolve["trigger_id"]
                )
                form = {"summary": "Rolled back", "root_cause": "A bad deploy", "fix": "Rollback"}
                bot.sender.interaction(
                    standin.view_submission_payload(state(form), view_id=opened.response["view"]["id"])
                )

            results["resolution"] = flow(standin, url, resolving)
            names = channel_names(standin, [c for calls in results.values() for c in calls])
        finally:
            bot.stop()
    print(f"Slack calls per flow ({machine()})\n")
    print("| flow | calls | each call and its reason |")
    print("|---|---|---|")
    for name, calls in results.items():
        shown = "; ".join(reason(c, names) for c in calls)
        print(f"| {name} | {len(calls)} | {shown} |")


if __name__ == "__main__":
    main()
