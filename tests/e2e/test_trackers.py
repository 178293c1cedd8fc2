"""Follow-ups become tickets in Jira, GitHub or Linear, exactly once: made through the outbox, looked
for before a create whose outcome is unknown is made again, closed when done in Slack, done in Slack
when done there (read back in batches); a private incident's tickets carry only its ref."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.db.models import ActionItem, ExternalRef, ScheduledWork
from bot.incidents.work import FOLLOW_UP
from playground.server import SlackStandIn
from playground.trackers import GitHubStandIn, JiraStandIn, LinearStandIn
from tests.e2e.db import read, wait_settled
from tests.e2e.flows import declare
from tests.e2e.harness import RunningBot, bot_env, start_bot, until
from tests.e2e.test_private import SECRET_TITLE, declare_private


@dataclass
class Setup:
    name: str
    server: Any
    policy: str
    env: dict[str, str]
    count: Callable[[], int]
    title_of: Callable[[], list[str]]
    everything: Callable[[], str]  # every ticket as the tracker holds it
    finish: Callable[[str], None]  # done in the tracker, by its external id


def jira(server: JiraStandIn) -> Setup:
    server.accounts["bob@example.com"] = "acc-bob"
    env = {"JIRA_URL": server.url, "JIRA_EMAIL": "bot@example.com", "JIRA_API_TOKEN": "jira-token"}
    return Setup(
        "jira", server, "tracker: {kind: jira, project: OPS}", env, lambda: len(server.issues),
        lambda: [i["fields"]["summary"] for i in server.issues.values()], lambda: json.dumps(server.issues),
        server.done,
    )  # fmt: skip


def github(server: GitHubStandIn) -> Setup:
    env = {"GITHUB_API_URL": server.url, "GITHUB_TOKEN": "gh-token"}
    return Setup(
        "github", server, "tracker: {kind: github, repo: acme/ops}", env, lambda: len(server.issues),
        lambda: [i["title"] for i in server.issues.values()], lambda: json.dumps(server.issues),
        lambda n: server.close(int(n)),
    )  # fmt: skip


def linear(server: LinearStandIn) -> Setup:
    server.users["bob@example.com"] = "user-bob"
    env = {"LINEAR_API_URL": f"{server.url}graphql", "LINEAR_API_KEY": "lin-api-key"}
    return Setup(
        "linear", server, "tracker: {kind: linear, team: ENG}", env, lambda: len(server.issues),
        lambda: [i["input"]["title"] for i in server.issues.values()], lambda: json.dumps(server.issues),
        server.complete,
    )  # fmt: skip


SETUPS: dict[str, tuple[Callable[[], Any], Callable[[Any], Setup]]] = {
    "jira": (JiraStandIn, jira),
    "github": (GitHubStandIn, github),
    "linear": (LinearStandIn, linear),
}


@pytest.fixture(params=sorted(SETUPS))
def tracker(request: pytest.FixtureRequest) -> Iterator[Setup]:
    make, setup = SETUPS[request.param]
    with make() as server:
        yield setup(server)


def run_bot(
    standin: SlackStandIn, database_url: str, tmp_path: Path, tracker: Setup, extra: str = ""
) -> Iterator[RunningBot]:
    policy = tmp_path / "policy.yml"
    policy.write_text(tracker.policy.replace("}", extra + "}") + "\n")
    env = bot_env(
        standin, database_url, INCIDENT_BOT_CONFIG=str(policy), TRACKER_SYNC="1",
        INTEGRATIONS_RETRY_AFTER="1", SCHEDULER_TICK="0.3", **tracker.env,
    )  # fmt: skip
    running = start_bot(tmp_path, env)
    yield running
    assert running.stop() == 0, running.log()
    assert "Traceback" not in running.log(), running.log()


@pytest.fixture
def bot(standin: SlackStandIn, database_url: str, tmp_path: Path, tracker: Setup) -> Iterator[RunningBot]:
    yield from run_bot(standin, database_url, tmp_path, tracker)


@pytest.fixture
def ticketed(
    standin: SlackStandIn, database_url: str, tmp_path: Path, tracker: Setup
) -> Iterator[RunningBot]:
    """The bot with ``incident_ticket: true``: each incident has its own ticket."""
    yield from run_bot(standin, database_url, tmp_path, tracker, ", incident_ticket: true")


def follow_up(standin: SlackStandIn, bot: RunningBot, channel: str, text: str) -> None:
    reply = bot.sender.command(standin.slash_command_payload(text=f"action {text}", channel_id=channel))
    assert reply.status == 200, reply.body


def tickets(database_url: str) -> list[ExternalRef]:
    query = select(ExternalRef).where(ExternalRef.purpose.startswith("follow_up:")).order_by(ExternalRef.id)
    return read(database_url, lambda s: list(s.scalars(query)))


def ticket(database_url: str) -> ExternalRef:
    found: ExternalRef = until(lambda: tickets(database_url) and tickets(database_url)[0], what="a ticket")
    return found


def follow_up_reminders(database_url: str) -> list[int]:
    query = select(ScheduledWork.id).where(ScheduledWork.kind == FOLLOW_UP)
    return read(database_url, lambda s: list(s.scalars(query)))


def item_done(database_url: str) -> bool:
    return bool(read(database_url, lambda s: s.scalars(select(ActionItem.done_at)).first()))


def test_a_follow_up_becomes_one_ticket_even_when_the_tracker_fails_after_making_it(
    standin: SlackStandIn, bot: RunningBot, database_url: str, tracker: Setup
) -> None:
    incident = declare(standin, bot, database_url, "P1 Checkout is down")
    tracker.server.fail_after_create = 1  # made, then answered 500: the retry must find it
    tracker.server.throttle(1)  # and a 429 first
    follow_up(standin, bot, incident.channel_id or "", "Alert on pool saturation <@U0BOB|bob> due 2099-01-31")
    ref = ticket(database_url)
    wait_settled(database_url)
    assert tracker.count() == 1 and tracker.title_of() == ["Alert on pool saturation"]
    held = tracker.everything()
    assert incident.ref in held and "2099-01-31" in held  # the incident, the due date
    if tracker.name != "github":
        assert ("acc-bob" if tracker.name == "jira" else "user-bob") in held  # found by the owner's email
    assert ref.url and ref.system == tracker.name
    listed = bot.sender.command(
        standin.slash_command_payload(text="actions", channel_id=incident.channel_id or "")
    )
    assert ref.url in listed.body  # the ticket is linked where the follow-up is listed


def test_done_in_the_tracker_is_done_here_and_mark_done_closes_the_ticket(
    standin: SlackStandIn, bot: RunningBot, database_url: str, tracker: Setup
) -> None:
    incident = declare(standin, bot, database_url, "P2 Search is slow")
    channel = incident.channel_id or ""
    follow_up(standin, bot, channel, "Add an index <@U0BOB|bob> due 2099-01-31")
    ref = ticket(database_url)
    assert len(follow_up_reminders(database_url)) == 1
    tracker.finish(ref.external_id or "")
    until(lambda: item_done(database_url), what="done here once done there")
    kinds = read(database_url, lambda s: [i.done_by for i in s.scalars(select(ActionItem))])
    assert kinds == [None]  # done by the tracker, not a person
    assert follow_up_reminders(database_url) == []  # its reminders stop

    follow_up(standin, bot, channel, "Write the runbook")
    second = until(
        lambda: len(tickets(database_url)) == 2 and tickets(database_url)[-1], what="a second ticket"
    )
    item_id = int(second.purpose.partition(":")[2])
    press = standin.block_actions_payload("action_item_done", str(item_id), "U0ALICE", channel_id=channel)
    assert bot.sender.interaction(press).status == 200

    def closed() -> int:
        held = tracker.everything()
        return held.count('"completed"') + held.count('"closed"') + held.count('"done"')

    until(lambda: closed() >= 2, what="the ticket closed")


def test_a_private_incidents_ticket_carries_only_its_ref(
    standin: SlackStandIn, bot: RunningBot, database_url: str, tracker: Setup
) -> None:
    declare_private(standin, bot, [])
    wait_settled(database_url)
    from bot.db.models import Incident

    private = read(database_url, lambda s: s.scalars(select(Incident).where(Incident.is_private)).one())
    follow_up(standin, bot, private.channel_id or "", "Rotate the leaked <@U0BOB|bob> credentials")
    ticket(database_url)
    wait_settled(database_url)
    held = tracker.everything()
    assert SECRET_TITLE not in held and "Rotate the leaked" not in held and private.ref in held


# as Slack sends it: a mention of everyone, markup, controls, escaped < > &
HOSTILE = "<!channel> *bold* [x](javascript:alert(1)) \x07\u202e\u200b &amp; &lt;/script&gt; " + "é" * 400


def test_hostile_text_is_encoded_for_the_tracker_never_a_broken_request(
    standin: SlackStandIn, bot: RunningBot, database_url: str, tracker: Setup
) -> None:
    incident = declare(standin, bot, database_url, "P2 Search is slow")
    follow_up(standin, bot, incident.channel_id or "", HOSTILE)
    ticket(database_url)
    wait_settled(database_url)
    assert tracker.count() == 1
    held = json.loads(tracker.everything())
    text = json.dumps(held, ensure_ascii=False)
    assert "\\u0007" not in text and "\u202e" not in text and "\u200b" not in text  # control, bidi, invisible
    title = tracker.title_of()[0]
    assert title.startswith("@channel *bold* [x](javascript:alert(1)) & </script>") and len(title) <= 255
    assert not [c for c in tracker.server.calls if c.status >= 400 and c.status != 429]  # every request taken


def test_the_incident_has_its_own_ticket_and_its_follow_ups_link_to_it(
    standin: SlackStandIn, ticketed: RunningBot, database_url: str, tracker: Setup
) -> None:
    incident = declare(standin, ticketed, database_url, "P1 Checkout is down")
    own = until(
        lambda: read(
            database_url,
            lambda s: s.scalars(select(ExternalRef).where(ExternalRef.purpose == "incident_ticket")).first(),
        ),
        what="the incident's ticket",
    )
    follow_up(standin, ticketed, incident.channel_id or "", "Add an index")
    ticket(database_url)
    wait_settled(database_url)
    assert tracker.count() == 2
    titles = tracker.title_of()
    assert f"{incident.ref} Checkout is down" in titles and "Add an index" in titles
    assert f"(ticket {own.external_id})" in tracker.everything()  # the follow-up's links to it
