"""Follow-ups as tickets, measured against the real bot and a Jira stand-in answering in 100-500 ms.

Run: .venv/bin/python benchmarks/trackers.py [FOLLOW_UPS] [OPEN_TICKETS]

1. Follow-up → ticket: from the acknowledgement of `/incident action …` to Jira answering the
   create (FOLLOW_UPS of them, default 40, one every 0.25 s). The floor, in the same run: one create
   sent straight to the stand-in.
2. The state sync of OPEN_TICKETS open follow-ups (default 1,000): how many calls one round makes
   (goal: at most 10) and how long the round takes. The floor: the same reads made straight to the
   stand-in, one after the other, from this process.
"""

from __future__ import annotations

import re
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from common import SLACK_LATENCY, machine, percentile
from sqlalchemy import delete, select

from bot.config.policy import Policy, load_policy
from bot.db.engine import make_engine, make_session_factory, transaction
from bot.db.migrate import upgrade
from bot.db.models import ActionItem, Incident, OutboxEffect
from bot.incidents import declare as declaring
from bot.incidents import external
from bot.integrations.trackers.jira import Jira
from playground.server import SlackStandIn
from playground.trackers import JiraStandIn
from tests.e2e.db import read, wait_settled
from tests.e2e.harness import bot_env, start_bot

LATENCY = (0.1, 0.5)
ENV = {"JIRA_EMAIL": "bot@example.com", "JIRA_API_TOKEN": "jira-token"}
POLICY = "tracker: {kind: jira, project: OPS}\n"


def stats(values: list[float]) -> str:
    return f"p50 {percentile(values, 50) * 1000:.0f} ms, p99 {percentile(values, 99) * 1000:.0f} ms"


def follow_ups(count: int, tmp: Path) -> tuple[list[float], list[float]]:
    url = f"sqlite:///{tmp / 'latency.db'}"
    with SlackStandIn() as standin, JiraStandIn() as jira:
        standin.set_latency(*SLACK_LATENCY)
        jira.latency = LATENCY
        client = Jira(jira.url, "OPS", "Task", email=ENV["JIRA_EMAIL"], token=ENV["JIRA_API_TOKEN"])
        floor = []
        for n in range(count):
            start = time.perf_counter()
            client._call(
                "POST", "rest/api/3/issue", {"fields": {"project": {"key": "OPS"}, "summary": f"f{n}"}}
            )
            floor.append(time.perf_counter() - start)
        jira.issues.clear()
        env = bot_env(
            standin, url, LOG_LEVEL="WARNING", INCIDENT_BOT_CONFIG=str(tmp / "policy.yml"),
            JIRA_URL=jira.url, **ENV,
        )  # fmt: skip
        bot = start_bot(tmp, env)
        try:
            reply = bot.sender.command(standin.slash_command_payload(text="declare P1 Checkout is down"))
            assert reply.status == 200, reply.body
            wait_settled(url, timeout=60)
            channel = str(read(url, lambda s: s.scalars(select(Incident.channel_id)).one()))
            acked: dict[str, float] = {}
            for n in range(count):
                payload = standin.slash_command_payload(text=f"action Follow-up {n}", channel_id=channel)
                reply = bot.sender.command(payload)
                assert reply.status == 200, reply.body
                acked[str(n)] = time.time()
                time.sleep(0.25)
            wait_settled(url, timeout=120)
        finally:
            bot.stop()
        made: dict[str, float] = {}
        for call in jira.seen("POST", "rest/api/3/issue"):
            found = re.fullmatch(r"Follow-up (\d+)", str(call.body["fields"]["summary"]))
            if found and call.status < 300:
                made.setdefault(found.group(1), call.at)
    assert len(made) == count, f"{len(made)} of {count} tickets made"
    return [made[n] - at for n, at in acked.items()], floor


def seed(url: str, jira: JiraStandIn, tickets: int) -> None:
    """Ten incidents with ``tickets`` open follow-ups among them, each with its ticket (nothing owed)."""
    upgrade(url)
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    policy, now = Policy(), datetime.now(UTC)
    incidents = [
        declaring.declare(
            sessions,
            policy,
            declaring.validate(policy, title=f"t{n}", severity="P2", declared_by="U0ALICE"),
            now,
        )[0]
        for n in range(10)
    ]
    with transaction(sessions) as session:
        for n in range(tickets):
            incident = incidents[n % len(incidents)]
            item = ActionItem(incident_id=incident.id, text=f"f{n}", created_by="U0ALICE", created_at=now)
            session.add(item)
            session.flush()
            key = f"OPS-{n + 1}"
            jira.issues[key] = {
                "key": key,
                "fields": {"summary": f"f{n}", "status": {"statusCategory": {"key": "new"}}},
            }
            external.record(session, incident.id, "jira", f"follow_up:{item.id}", key, container="OPS")
        session.execute(delete(OutboxEffect))  # the declarations' Slack posts: not what is measured
    engine.dispose()


def sync_round(tickets: int, tmp: Path) -> tuple[int, float, float]:
    """(calls in one round, its duration, the floor's duration)."""
    url = f"sqlite:///{tmp / 'sync.db'}"
    with SlackStandIn() as standin, JiraStandIn() as jira:
        jira.latency = LATENCY
        seed(url, jira, tickets)
        keys = list(jira.issues)
        client = Jira(jira.url, "OPS", "Task", email=ENV["JIRA_EMAIL"], token=ENV["JIRA_API_TOKEN"])
        start = time.perf_counter()
        assert len(client.states(keys)) == tickets
        floor = time.perf_counter() - start
        jira.calls.clear()
        env = bot_env(
            standin, url, LOG_LEVEL="WARNING", INCIDENT_BOT_CONFIG=str(tmp / "policy.yml"),
            JIRA_URL=jira.url, TRACKER_SYNC="30", **ENV,
        )  # fmt: skip
        bot = start_bot(tmp, env)
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                searches = jira.seen("POST", "rest/api/3/search/jql")
                if searches and time.time() - searches[-1].at > 3:
                    break  # the round is over
                time.sleep(0.2)
        finally:
            bot.stop()
        searches = jira.seen("POST", "rest/api/3/search/jql")
        assert read(url, lambda s: s.query(ActionItem).filter(ActionItem.done_at.is_not(None)).count()) == 0
    return len(searches), searches[-1].at - searches[0].began, floor


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 40
    tickets = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    tmp = Path(tempfile.mkdtemp())
    (tmp / "policy.yml").write_text(POLICY)
    load_policy(tmp / "policy.yml")
    print(machine())
    latencies, floor = follow_ups(count, tmp)
    calls, took, floor_took = sync_round(tickets, tmp)
    print(f"| floor: one create straight to the stand-in ({count}) | {stats(floor)} |")
    print(f"| 1. follow-up → ticket ({count}) | {stats(latencies)} |")
    print(f"| floor: reading {tickets} states straight from the stand-in | {floor_took:.2f} s |")
    print(f"| 2. sync of {tickets} open follow-ups | {calls} calls (goal ≤ 10), {took:.2f} s |")


if __name__ == "__main__":
    main()
