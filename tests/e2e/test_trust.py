"""Nothing a request carries is believed: who may act on an incident is decided from who is asking.

An outsider replays every interactive element the bot rendered for a public incident (found from
its messages, not listed by hand) with a private incident's id swapped in, submits forms that were
not opened for them or with another incident in their metadata, and types commands with the private
channel's id: refused, nothing changed, nothing shown. Requests that name no workspace or app are
refused; the app id comes from ``bots.info``; replies only go to Slack's own response URLs.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.db.models import ActionItem, Incident, RoleAssignment, TimelineEvent
from playground.server import SlackStandIn
from tests.e2e.db import read, wait_settled
from tests.e2e.flows import declare
from tests.e2e.harness import RunningBot, answer, bot_env, opened_by, start_bot, state
from tests.e2e.receiver import Receiver
from tests.e2e.test_private import SECRET_IMPACT, SECRET_TITLE, declare_private

OUTSIDER = "U0MALLORY"
POLICY = """
severities:
  - {key: P1, label: Critical, response_target: 15m, update_cadence: 2s}
  - {key: P2, label: High, response_target: 1h, update_cadence: 30m}
postmortem_reminder_after: 1s
escalation:
  targets:
    primary-oncall: {users: [U0BOB]}
  severities:
    P1:
      tiers:
        - {after: 1s, when: unacknowledged, notify: [primary-oncall]}
"""


@pytest.fixture
def bot(standin: SlackStandIn, database_url: str, tmp_path: Path) -> Iterator[RunningBot]:
    standin.add_user("mallory", user_id=OUTSIDER)
    policy = tmp_path / "policy.yml"
    policy.write_text(POLICY)
    running = start_bot(tmp_path, bot_env(standin, database_url, INCIDENT_BOT_CONFIG=str(policy)))
    yield running
    assert running.stop() == 0, running.log()
    assert "Traceback" not in running.log(), running.log()


def state_of(database_url: str, incident_id: int) -> dict[str, Any]:
    """Everything an outsider could have changed about an incident."""

    def query(session: Any) -> dict[str, Any]:
        incident = session.get_one(Incident, incident_id)
        return {
            "status": incident.status,
            "severity": incident.severity,
            "events": [  # what people did (the scheduler's reminders go on meanwhile)
                (e.kind, e.actor)
                for e in session.scalars(
                    select(TimelineEvent)
                    .where(TimelineEvent.incident_id == incident_id)
                    .order_by(TimelineEvent.id)
                )
                if e.kind not in ("reminder_sent", "escalated", "paged")
            ],
            "roles": sorted(
                (r.role, r.user_id, r.released_at is None)
                for r in session.scalars(
                    select(RoleAssignment).where(RoleAssignment.incident_id == incident_id)
                )
            ),
            "items": sorted(
                (i.id, i.owner, i.done_at is None)
                for i in session.scalars(select(ActionItem).where(ActionItem.incident_id == incident_id))
            ),
        }

    return read(database_url, query)


def elements(value: Any) -> Iterator[dict[str, Any]]:
    """Every interactive element in a message or view (blocks, their accessories and elements)."""
    if isinstance(value, dict):
        if value.get("action_id") and value.get("type") in (
            "button", "static_select", "users_select", "overflow", "external_select", "conversations_select",
        ):  # fmt: skip
            yield value
        for item in value.values():
            yield from elements(item)
    elif isinstance(value, list):
        for item in value:
            yield from elements(item)


def rendered(standin: SlackStandIn, answers: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    """(block id, element) for everything interactive the bot has shown anyone."""
    found: list[tuple[str, dict[str, Any]]] = []
    shown: list[Any] = [c.args for c in standin.calls() if c.ok and c.method.startswith(("chat.", "views."))]
    shown += standin.responses() + answers
    for item in shown:
        for block in (item.get("blocks") or []) + ((item.get("view") or {}).get("blocks") or []):
            if block.get("type") == "input" and not block.get("dispatch_action"):
                continue  # a form's field: read when the form is submitted, never sent by itself
            for element in elements(block):
                found.append((str(block.get("block_id") or ""), element))
    return found


def swap(text: str, ids: dict[str, str]) -> str:
    for mine, theirs in ids.items():
        text = text.replace(mine, theirs)
    return text


def test_an_outsider_replaying_any_element_on_a_private_incident_changes_and_learns_nothing(
    standin: SlackStandIn, bot: RunningBot, database_url: str
) -> None:
    # a public incident with everything interactive the bot renders: roles, status, reminders,
    # escalation, follow-ups, and after its resolution the postmortem reminder
    public = declare(standin, bot, database_url, "P1 Checkout is down", user="U0CAROL")
    channel = public.channel_id or ""
    answers: list[dict[str, Any]] = []
    for command in ("action Add an alert @U0CAROL", "status", "roles", "actions"):
        reply = bot.sender.command(
            standin.slash_command_payload(text=command, channel_id=channel, user_id="U0CAROL")
        )
        answers.append(reply.json if isinstance(reply.json, dict) else {})
    time.sleep(2.5)  # a reminder and an escalation
    declare_private(standin, bot, ["U0DAVE"])
    wait_settled(database_url)
    private = read(database_url, lambda s: s.scalars(select(Incident).where(Incident.is_private)).one())
    inside = private.channel_id or ""
    bot.sender.command(
        standin.slash_command_payload(text="action Rotate the keys @U0DAVE", channel_id=inside)
    )
    wait_settled(database_url)
    public_items = [i[0] for i in state_of(database_url, public.id)["items"]]
    private_items = [i[0] for i in state_of(database_url, private.id)["items"]]
    ids = {
        f"{public.id}": f"{private.id}",
        f"action_item:{public_items[0]}": f"action_item:{private_items[0]}",
    }
    before = state_of(database_url, private.id)
    seen = len(standin.calls())

    replayed = rendered(standin, answers)
    kinds = {element["action_id"] for _, element in replayed}
    assert {"role_take", "role_assign", "status_select", "update_open", "action_item_done"} <= kinds, kinds
    triggers, urls = set(), set()
    for block_id, element in replayed:
        action: dict[str, Any] = {"block_id": swap(block_id, ids), "type": element["type"]}
        value = str(element.get("value") or "")
        if element["action_id"] == "action_item_done":
            value = str(private_items[0])
        elif value:
            value = swap(value, ids)
        if element["type"] == "static_select":
            option = (element.get("options") or [{}])[-1]
            action["selected_option"] = {"value": option.get("value"), "text": option.get("text")}
        payload = standin.block_actions_payload(
            element["action_id"], value or None, OUTSIDER, channel_id=channel, block_id=action["block_id"],
            selected_user=OUTSIDER if element["type"] == "users_select" else None, action=action,
        )  # fmt: skip
        triggers.add(payload["trigger_id"])
        urls.add(payload.get("response_url"))
        status = bot.sender.interaction(payload).status
        assert status == 200 or (status == 404 and element.get("url")), (
            element,
            status,
        )  # a link: no listener
    time.sleep(1.5)
    wait_settled(database_url)

    assert state_of(database_url, private.id) == before  # nothing changed
    after = standin.calls()[seen:]
    invited = [c for c in after if c.method == "conversations.invite" and c.args.get("channel") == inside]
    assert not invited
    to_outsider = [
        c.args for c in after if c.args.get("channel") == OUTSIDER or c.args.get("user") == OUTSIDER
    ]
    forms = [c.args for c in after if c.method == "views.open" and c.args.get("trigger_id") in triggers]
    answered = [r for url in urls if url for r in standin.responses(url)]
    shown = json.dumps([to_outsider, forms, answered])
    assert to_outsider or forms or answered, "the outsider was told something (a refusal)"
    for secret in (SECRET_TITLE, SECRET_IMPACT, private.ref):
        assert secret not in shown  # nothing revealed: no form, no reply, no DM names it

    # commands typed "in" the private channel by someone not in it
    commands = ["status", "update Hello", "note hi", "timeline", "actions", "roles", "resolve", "reopen"]
    commands += ["severity P4 calm", "set platform AWS", "postmortem", "ic <@U0MALLORY>", "update"]
    for command in commands:
        reply = bot.sender.command(
            standin.slash_command_payload(text=command, channel_id=inside, user_id=OUTSIDER)
        )
        assert reply.status == 200
        assert SECRET_TITLE not in reply.body and private.ref not in reply.body, (command, reply.body)
    time.sleep(1)
    wait_settled(database_url)
    assert state_of(database_url, private.id) == before


def test_a_form_acts_only_for_its_opener_and_only_on_the_incident_it_was_opened_for(
    standin: SlackStandIn, bot: RunningBot, database_url: str
) -> None:
    public = declare(standin, bot, database_url, "P2 Search is slow")
    declare_private(standin, bot, [])
    wait_settled(database_url)
    private = read(database_url, lambda s: s.scalars(select(Incident).where(Incident.is_private)).one())
    before = state_of(database_url, private.id)
    channel = public.channel_id or ""

    # Alice's update form, submitted by Mallory: refused on the form
    payload = standin.slash_command_payload(text="update", channel_id=channel, user_id="U0ALICE")
    bot.sender.command(payload)
    alices = standin.wait_for("views.open", opened_by(payload)).response["view"]["id"]
    form = state({"text": "Mallory was here", "impact": "", "expected": ""})
    reply = bot.sender.interaction(standin.view_submission_payload(form, view_id=alices, user_id=OUTSIDER))
    assert reply.json and reply.json["response_action"] == "errors", reply.body
    assert "not opened for you" in json.dumps(reply.json["errors"])

    # Mallory's own form on the public incident, its metadata pointed at the private one
    payload = standin.slash_command_payload(text="update", channel_id=channel, user_id=OUTSIDER)
    bot.sender.command(payload)
    view = standin.wait_for("views.open", opened_by(payload)).response["view"]
    forged = {**view, "private_metadata": json.dumps({"incident_id": private.id, "reply_url": "http://evil"})}
    submission = standin.view_submission_payload(form, view_id=view["id"], user_id=OUTSIDER)
    submission["view"] = {**forged, "state": submission["view"]["state"]}
    assert bot.sender.interaction(submission).status == 200
    wait_settled(database_url)
    assert state_of(database_url, private.id) == before
    updates = [c for c in standin.calls("chat.postMessage") if "Mallory was here" in c.args.get("text", "")]
    assert updates and all(
        c.args["channel"] != private.channel_id for c in updates
    )  # the form's own incident


def test_reopen_is_the_commanders(standin: SlackStandIn, bot: RunningBot, database_url: str) -> None:
    incident = declare(standin, bot, database_url, "P2 Queue stuck")  # Alice commands
    channel = incident.channel_id or ""
    bot.sender.command(standin.slash_command_payload(text="resolve", channel_id=channel))
    resolve_form = standin.wait_for("views.open", lambda c: c.args["view"].get("callback_id") == "resolve")
    values = state({"summary": "Drained", "root_cause": "", "fix": ""})
    bot.sender.interaction(
        standin.view_submission_payload(values, view_id=resolve_form.response["view"]["id"])
    )
    wait_settled(database_url)
    stranger = answer(
        bot.sender.command(standin.slash_command_payload(text="reopen", channel_id=channel, user_id="U0BOB"))
    )
    assert "reopen" in stranger["text"] and "U0ALICE" in stranger["text"], stranger
    assert read(database_url, lambda s: s.get_one(Incident, incident.id)).status == "Resolved"
    bot.sender.command(standin.slash_command_payload(text="reopen", channel_id=channel, user_id="U0ALICE"))
    assert read(database_url, lambda s: s.get_one(Incident, incident.id)).status == "Investigating"


def test_requests_naming_no_workspace_or_app_are_refused_and_the_app_id_comes_from_bots_info(
    standin: SlackStandIn, bot: RunningBot, database_url: str
) -> None:
    def command(**changes: str) -> int:
        payload = {**standin.slash_command_payload(text="list"), **changes}
        for key in [k for k, v in changes.items() if v == "(absent)"]:
            del payload[key]
        return bot.sender.command(payload).status

    assert command() == 200
    assert command(team_id="") == 403 and command(team_id="(absent)") == 403
    assert command(api_app_id="") == 403 and command(api_app_id="(absent)") == 403
    # the stand-in's auth.test names no app (like Slack's): only bots.info could say this is not ours
    assert command(api_app_id="A0SOMEONEELSE") == 403
    assert standin.calls("bots.info")
    declare(standin, bot, database_url, "P2 Reports late")
    payload = standin.slash_command_payload(text="update", channel_id=declare_channel(database_url))
    bot.sender.command(payload)
    view = standin.wait_for("views.open", opened_by(payload)).response["view"]["id"]
    submission = standin.view_submission_payload(state({"text": "x"}), view_id=view)
    submission["user"] = {**submission["user"], "team_id": ""}
    assert bot.sender.interaction(submission).status == 403


def declare_channel(database_url: str) -> str:
    found = read(database_url, lambda s: s.scalars(select(Incident).order_by(Incident.id.desc())).first())
    assert found is not None and found.channel_id
    return found.channel_id


def test_replies_go_only_to_slacks_own_response_urls(
    standin: SlackStandIn, bot: RunningBot, database_url: str
) -> None:
    evil = Receiver()
    try:
        payload = standin.slash_command_payload(text="declare P2 Billing page blank")
        payload["response_url"] = f"{evil.url}/collect"
        assert "is declared" in answer(bot.sender.command(payload))["text"]
        wait_settled(database_url)
        time.sleep(0.5)
        assert evil.tried("/collect") == 0
        # the confirmation that could not go through the response URL came by DM instead
        assert [c for c in standin.calls("chat.postMessage") if c.args["channel"] == "U0ALICE"]
    finally:
        evil.stop()
