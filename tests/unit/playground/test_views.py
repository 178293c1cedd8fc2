from __future__ import annotations

import time
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from playground import SlackStandIn

MODAL: dict[str, Any] = {
    "type": "modal",
    "callback_id": "declare_incident",
    "title": {"type": "plain_text", "text": "Declare incident"},
    "submit": {"type": "plain_text", "text": "Declare"},
    "private_metadata": "C0GENERAL",
    "blocks": [
        {
            "type": "input",
            "block_id": "title",
            "label": {"type": "plain_text", "text": "Title"},
            "element": {"type": "plain_text_input", "action_id": "value"},
        }
    ],
}


def _error(raised: pytest.ExceptionInfo[SlackApiError]) -> str:
    return str(raised.value.response["error"])


def test_trigger_id_is_single_use(client: WebClient, standin: SlackStandIn) -> None:
    trigger = standin.new_trigger_id()
    view = client.views_open(trigger_id=trigger, view=MODAL)["view"]
    assert view["id"].startswith("V") and view["hash"] and view["callback_id"] == "declare_incident"
    assert standin.view(view["id"]) is not None
    with pytest.raises(SlackApiError) as raised:
        client.views_open(trigger_id=trigger, view=MODAL)
    assert _error(raised) == "exchanged_trigger_id"
    with pytest.raises(SlackApiError) as raised:
        client.views_open(trigger_id="123.456.nope", view=MODAL)
    assert _error(raised) == "invalid_trigger_id"


def test_trigger_id_expires(client: WebClient, standin: SlackStandIn) -> None:
    standin.trigger_ttl = 0.05
    trigger = standin.new_trigger_id()
    time.sleep(0.1)
    with pytest.raises(SlackApiError) as raised:
        client.views_push(trigger_id=trigger, view=MODAL)
    assert _error(raised) == "expired_trigger_id"


@pytest.mark.parametrize(
    "broken",
    [
        {**MODAL, "type": "home"},
        {key: value for key, value in MODAL.items() if key != "title"},
        {**MODAL, "title": {"type": "plain_text", "text": "x" * 25}},
        {**MODAL, "blocks": [{"type": "divider"}] * 101},
        {key: value for key, value in MODAL.items() if key != "submit"},
    ],
)
def test_invalid_views_do_not_burn_the_trigger(
    client: WebClient, standin: SlackStandIn, broken: dict[str, Any]
) -> None:
    trigger = standin.new_trigger_id()
    with pytest.raises(SlackApiError) as raised:
        client.views_open(trigger_id=trigger, view=broken)
    assert _error(raised) == "invalid_arguments"
    assert raised.value.response["response_metadata"]["messages"]
    assert client.views_open(trigger_id=trigger, view=MODAL)["ok"] is True


def test_update_by_id_and_external_id(client: WebClient, standin: SlackStandIn) -> None:
    opened = client.views_open(trigger_id=standin.new_trigger_id(), view={**MODAL, "external_id": "ext-1"})
    view_id, first_hash = opened["view"]["id"], opened["view"]["hash"]
    changed = {**MODAL, "title": {"type": "plain_text", "text": "Updated"}}
    updated = client.views_update(view_id=view_id, view=changed, hash=first_hash)["view"]
    assert updated["id"] == view_id and updated["hash"] != first_hash
    with pytest.raises(SlackApiError) as raised:
        client.views_update(view_id=view_id, view=changed, hash=first_hash)
    assert _error(raised) == "hash_conflict"
    by_external = client.views_update(external_id="ext-1", view=MODAL)["view"]
    assert by_external["id"] == view_id and by_external["title"]["text"] == "Declare incident"
    with pytest.raises(SlackApiError) as raised:
        client.views_update(view_id="V0NOPE", view=MODAL)
    assert _error(raised) == "not_found"


def test_view_submission_payload_uses_the_stored_view(client: WebClient, standin: SlackStandIn) -> None:
    view_id = client.views_open(trigger_id=standin.new_trigger_id(), view=MODAL)["view"]["id"]
    values = {"title": {"value": {"type": "plain_text_input", "value": "DB down"}}}
    payload = standin.view_submission_payload(values, callback_id="declare_incident", user_id="U0BOB")
    assert payload["type"] == "view_submission"
    assert payload["view"]["id"] == view_id and payload["view"]["private_metadata"] == "C0GENERAL"
    assert payload["view"]["state"]["values"] == values
    assert payload["user"]["id"] == "U0BOB" and payload["user"]["username"] == "bob"
    assert client.views_push(trigger_id=payload["trigger_id"], view=MODAL)["ok"] is True
