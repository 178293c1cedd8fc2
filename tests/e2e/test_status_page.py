"""The status page, end to end against a Statuspage stand-in: the Comms Lead publishes from the draft's
Review and publish, updates through the same form, and resolving sets the components back to
operational; exactly one public incident even when a create is answered 500 after it was made; never
for a private incident, never by a Scribe; one request a second."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.db.models import Incident, TimelineEvent
from bot.incidents.story import describe
from playground.records import Call
from playground.server import SlackStandIn
from playground.statuspage import StatusPageStandIn
from tests.e2e.db import events, read, wait_settled
from tests.e2e.flows import declare
from tests.e2e.harness import RunningBot, bot_env, start_bot, state, until
from tests.e2e.test_private import declare_private
from tests.slack_checks import check_message, check_view

HOSTILE = "<!channel> fixed \x07\u202e & <https://evil.example|click> " + "x" * 200


@pytest.fixture
def page() -> Iterator[StatusPageStandIn]:
    with StatusPageStandIn(min_gap=0.9) as server:  # Statuspage allows one request a second
        yield server


@pytest.fixture
def bot(
    standin: SlackStandIn, database_url: str, tmp_path: Path, page: StatusPageStandIn
) -> Iterator[RunningBot]:
    env = bot_env(
        standin, database_url, STATUSPAGE_API_URL=page.url, STATUSPAGE_API_KEY="sp-key",
        STATUSPAGE_PAGE_ID=page.page_id, INTEGRATIONS_RETRY_AFTER="1",
    )  # fmt: skip
    running = start_bot(tmp_path, env)
    yield running
    assert running.stop() == 0, running.log()
    assert "Traceback" not in running.log(), running.log()


def take(standin: SlackStandIn, bot: RunningBot, incident: Incident, role: str, user: str) -> None:
    stored = incident.message("announcement")
    assert stored is not None
    press = standin.block_actions_payload(
        "role_take", f"{incident.id}:{role}", user, channel_id=incident.channel_id, message_ts=stored.ts
    )
    assert bot.sender.interaction(press).status == 200


def draft_to(standin: SlackStandIn, user: str, stage: str) -> Call:
    draft = standin.wait_for(
        "chat.postMessage",
        lambda c: (
            c.args["channel"] == user
            and "Status page draft for" in c.args["text"]
            and stage in c.args["text"]
        ),
        timeout=10,
    )
    check_message(draft.args)
    return draft


def open_form(standin: SlackStandIn, bot: RunningBot, incident: Incident, user: str) -> dict[str, Any]:
    """Press Review and publish as ``user``; the form Slack opened."""
    press = standin.block_actions_payload("statuspage_open", str(incident.id), user)
    assert bot.sender.interaction(press).status == 200
    opened = standin.wait_for("views.open", lambda c: c.args.get("trigger_id") == press["trigger_id"])
    view: dict[str, Any] = opened.args["view"]
    check_view(view)
    return {**view, "id": opened.response["view"]["id"]}


def initial(view: dict[str, Any], block_id: str) -> Any:
    block = next(b for b in view["blocks"] if b.get("block_id") == block_id)
    element = block["element"]
    return element.get("initial_value") or (element.get("initial_option") or {}).get("value")


def submit(
    standin: SlackStandIn, bot: RunningBot, view: dict[str, Any], user: str, **values: Any
) -> dict[str, Any]:
    """Submit the form with what it was prefilled with, changed by ``values``; the ack's JSON."""
    blocks = [b["block_id"] for b in view["blocks"] if b["type"] == "input"]
    filled: dict[str, Any] = {}
    for block_id in blocks:
        value = values.get(block_id.replace("component:", "c_"), initial(view, block_id))
        filled[block_id] = (
            ("select", value) if block_id == "status" or block_id.startswith("component:") else value
        )
    reply = bot.sender.interaction(
        standin.view_submission_payload(state(filled), view_id=view["id"], user_id=user)
    )
    assert reply.status == 200, reply.body
    return json.loads(reply.body) if reply.body else {}


def published(database_url: str) -> list[TimelineEvent]:
    return events(database_url, "status_published")


def test_the_comms_lead_publishes_updates_and_resolves_the_status_page(
    standin: SlackStandIn, bot: RunningBot, database_url: str, page: StatusPageStandIn
) -> None:
    incident = declare(standin, bot, database_url, "P1 Checkout is down")
    take(standin, bot, incident, "comms_lead", "U0CAROL")
    draft = draft_to(standin, "U0CAROL", "Investigating")
    assert "Review and publish" in json.dumps(draft.args["blocks"])

    search = next(c for c in page.components.values() if c["name"] == "Search")
    search["status"] = "partial_outage"  # another incident's: this one must leave it as it is
    form = open_form(standin, bot, incident, "U0CAROL")
    assert initial(form, "status") == "investigating"
    assert initial(form, f"component:{search['id']}") == "partial_outage"  # shown as it is
    assert "We are currently investigating" in initial(form, "body")
    assert "Title:" not in initial(form, "body")  # the draft's header lines fill the title and status
    checkout = next(c for c in page.components.values() if c["name"] == "Checkout")
    page.fail_after_create = 1  # made, then answered 500: the retry must find it, not make another
    ack = submit(standin, bot, form, "U0CAROL", **{f"c_{checkout['id']}": "major_outage"})
    assert "errors" not in ack
    until(lambda: page.incidents and checkout["status"] == "major_outage", what="the public incident")
    wait_settled(database_url)
    assert len(page.incidents) == 1
    public = next(iter(page.incidents.values()))
    assert incident.ref in public["name"] and public["status"] == "investigating"
    assert [c["id"] for c in public["components"]] == [checkout["id"]]

    # an update through the same form: prefilled from the last publication
    again = open_form(standin, bot, incident, "U0CAROL")
    assert initial(again, f"component:{checkout['id']}") == "major_outage"
    submit(standin, bot, again, "U0CAROL", status="identified", body=HOSTILE)
    until(lambda: public["status"] == "identified", what="the update published")
    assert len(page.incidents) == 1 and len(public["incident_updates"]) == 2
    shown = public["incident_updates"][0]["body"]
    assert shown.startswith("<!channel> fixed") and "& <https://evil.example|click>" in shown  # plain text
    assert "\x07" not in shown and "\u202e" not in shown

    # resolved: the resolution is offered and every component goes back to operational
    resolve = standin.slash_command_payload(text="resolve", channel_id=incident.channel_id or "")
    bot.sender.command(resolve)
    opened = standin.wait_for("views.open", lambda c: c.args.get("trigger_id") == resolve["trigger_id"])
    fields = {
        "summary": "Checkout is back.",
        "root_cause": "The pool needs ~50 connections.",
        "fix": "Raised it.",
    }
    bot.sender.interaction(
        standin.view_submission_payload(state(fields), view_id=opened.response["view"]["id"])
    )
    draft_to(standin, "U0CAROL", "Resolved")
    last = open_form(standin, bot, incident, "U0CAROL")
    assert initial(last, "status") == "resolved"
    assert initial(last, f"component:{checkout['id']}") == "operational"
    body = initial(last, "body")
    assert "Checkout is back." in body and "We implemented a fix: Raised it." in body.splitlines()
    submit(standin, bot, last, "U0CAROL")
    until(lambda: public["status"] == "resolved", what="the resolution published")
    wait_settled(database_url)
    assert checkout["status"] == "operational" and len(page.incidents) == 1
    assert search["status"] == "partial_outage"  # not this incident's: never reset
    assert len(page.bodies()) == 3 and page.too_fast == 0  # one request a second, never a 429

    # in the timeline with who published it, and a line in the channel
    kept = published(database_url)
    assert [(e.actor, e.details["status"]) for e in kept] == [
        ("U0CAROL", "investigating"), ("U0CAROL", "identified"), ("U0CAROL", "resolved"),
    ]  # fmt: skip
    lines = [describe(e, bot_policy(), str).text for e in kept]
    assert lines[0] == "Status page: investigating, published by U0CAROL"
    said = standin.wait_for(
        "chat.postMessage",
        lambda c: (
            c.args["channel"] == incident.channel_id and "status page> (Investigating)" in c.args["text"]
        ),
    )
    assert f"<{public['shortlink']}|status page>" in json.dumps(said.args["blocks"])  # the public link


def bot_policy() -> Any:
    from bot.config.policy import Policy

    return Policy()


def test_only_the_commander_or_the_comms_lead_may_publish(
    standin: SlackStandIn, bot: RunningBot, database_url: str, page: StatusPageStandIn
) -> None:
    incident = declare(standin, bot, database_url, "P2 Search is slow")
    take(standin, bot, incident, "scribe", "U0DAVE")
    press = standin.block_actions_payload("statuspage_open", str(incident.id), "U0DAVE")
    bot.sender.interaction(press)
    said = standin.wait_for_response(press["response_url"], timeout=10)
    assert "Only the Incident Commander or the Comms Lead" in json.dumps(said)
    assert not [c for c in standin.calls("views.open") if c.args.get("trigger_id") == press["trigger_id"]]

    # a form opened by the commander, submitted by the Scribe: refused, nothing published
    form = open_form(standin, bot, incident, "U0ALICE")
    ack = submit(standin, bot, form, "U0DAVE")
    assert "errors" in ack
    assert published(database_url) == [] and page.incidents == {}


def test_a_private_incident_is_never_published(
    standin: SlackStandIn, bot: RunningBot, database_url: str, page: StatusPageStandIn
) -> None:
    declare_private(standin, bot, ["U0BOB"])
    wait_settled(database_url)
    private = read(database_url, lambda s: s.scalars(select(Incident).where(Incident.is_private)).one())
    take(standin, bot, private, "comms_lead", "U0BOB")
    draft = draft_to(standin, "U0BOB", "Investigating")
    assert "statuspage_open" not in json.dumps(draft.args["blocks"])  # no button
    press = standin.block_actions_payload("statuspage_open", str(private.id), "U0ALICE")  # forged
    bot.sender.interaction(press)
    said = standin.wait_for_response(press["response_url"], timeout=10)
    assert "never published" in json.dumps(said)
    time.sleep(0.5)
    assert published(database_url) == [] and page.incidents == {} and page.calls == []


def test_a_first_publication_made_resolved_is_made_once_even_when_answered_500(
    standin: SlackStandIn, bot: RunningBot, database_url: str, page: StatusPageStandIn
) -> None:
    incident = declare(standin, bot, database_url, "P2 Search is slow")
    resolve = standin.slash_command_payload(text="resolve", channel_id=incident.channel_id or "")
    bot.sender.command(resolve)
    opened = standin.wait_for("views.open", lambda c: c.args.get("trigger_id") == resolve["trigger_id"])
    fields = {"summary": "Search is fast again.", "root_cause": "", "fix": ""}
    bot.sender.interaction(
        standin.view_submission_payload(state(fields), view_id=opened.response["view"]["id"])
    )
    draft_to(standin, "U0ALICE", "Resolved")  # no Comms Lead: the commander writes it
    form = open_form(standin, bot, incident, "U0ALICE")
    assert initial(form, "status") == "resolved"
    page.fail_after_create = 1  # made (resolved, so not among the unresolved), then answered 500
    submit(standin, bot, form, "U0ALICE")
    until(lambda: page.incidents and published(database_url), what="the public incident")
    wait_settled(database_url)
    assert len(page.incidents) == 1 and len(page.bodies()) == 1
