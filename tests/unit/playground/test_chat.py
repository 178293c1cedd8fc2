from __future__ import annotations

import json

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from playground import SlackStandIn


def _error(raised: pytest.ExceptionInfo[SlackApiError]) -> str:
    return str(raised.value.response["error"])


def test_post_by_id_name_and_hash_name(client: WebClient, standin: SlackStandIn) -> None:
    first = client.chat_postMessage(channel="C0INCRESP", text="one")
    second = client.chat_postMessage(channel="incident-response", text="two")
    third = client.chat_postMessage(channel="#incident-response", text="three")
    assert {first["channel"], second["channel"], third["channel"]} == {"C0INCRESP"}
    timestamps = [first["ts"], second["ts"], third["ts"]]
    assert timestamps == sorted(timestamps, key=float) and len(set(timestamps)) == 3
    assert [m["text"] for m in standin.messages("incident-response")] == ["one", "two", "three"]
    assert first["message"]["bot_id"] == "BBOT"


def test_post_to_user_opens_a_dm(client: WebClient, standin: SlackStandIn) -> None:
    reply = client.chat_postMessage(channel="U0BOB", text="psst")
    assert reply["channel"].startswith("D")
    assert standin.dm_channel_id("U0BOB") == reply["channel"]
    again = client.chat_postMessage(channel="U0BOB", text="again")
    assert again["channel"] == reply["channel"]


def test_blocks_sent_as_form_json_are_decoded_in_the_log(client: WebClient, standin: SlackStandIn) -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*SEV1*"}}]
    client.chat_postMessage(channel="general", text="fallback", blocks=blocks)
    call = standin.wait_for("chat.postMessage")
    assert call.args["blocks"] == blocks
    assert standin.messages("general")[-1]["blocks"] == blocks


def test_json_body_calls_work(client: WebClient, standin: SlackStandIn) -> None:
    reply = client.api_call("chat.postMessage", json={"channel": "C0GENERAL", "text": "via json"})
    assert reply["ok"] is True
    assert standin.calls("chat.postMessage")[-1].args == {"channel": "C0GENERAL", "text": "via json"}


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")
def test_post_errors(client: WebClient, standin: SlackStandIn) -> None:
    private = standin.add_channel("secret", is_private=True, members=["U0ALICE"])
    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel=private, text="x")
    assert _error(raised) == "channel_not_found"
    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel="C0NOPE", text="x")
    assert _error(raised) == "channel_not_found"
    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel="general")
    assert _error(raised) == "no_text"
    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel="general", text="x" * 40_001)
    assert _error(raised) == "msg_too_long"
    too_many = [{"type": "divider"}] * 51
    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel="general", text="x", blocks=too_many)
    assert _error(raised) == "invalid_blocks"
    long_section = [{"type": "section", "text": {"type": "mrkdwn", "text": "y" * 3001}}]
    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel="general", text="x", blocks=long_section)
    assert _error(raised) == "invalid_blocks"
    assert "json-pointer:/blocks/0/text/text" in json.dumps(raised.value.response.data)


def test_archived_channel(client: WebClient, standin: SlackStandIn, incident_channel: str) -> None:
    client.conversations_archive(channel=incident_channel)
    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel=incident_channel, text="x")
    assert _error(raised) == "is_archived"


def test_update_and_its_errors(client: WebClient, standin: SlackStandIn) -> None:
    posted = client.chat_postMessage(channel="general", text="status: investigating")
    client.chat_update(channel="C0GENERAL", ts=posted["ts"], text="status: resolved")
    assert [m["text"] for m in standin.messages("general")] == ["status: resolved"]
    with pytest.raises(SlackApiError) as raised:
        client.chat_update(channel="C0GENERAL", ts="1.000001", text="x")
    assert _error(raised) == "message_not_found"
    human = standin.add_message("general", "written by alice")
    with pytest.raises(SlackApiError) as raised:
        client.chat_update(channel="C0GENERAL", ts=human["ts"], text="x")
    assert _error(raised) == "cant_update_message"


def test_ephemeral_needs_membership(client: WebClient, standin: SlackStandIn, incident_channel: str) -> None:
    with pytest.raises(SlackApiError) as raised:
        client.chat_postEphemeral(channel="C0GENERAL", user="U0ALICE", text="psst")
    assert _error(raised) == "not_in_channel"
    reply = client.chat_postEphemeral(channel=incident_channel, user="U0ALICE", text="only you")
    assert reply["message_ts"]
    assert standin.ephemerals(incident_channel)[0]["ephemeral_user"] == "U0ALICE"
    with pytest.raises(SlackApiError) as raised:
        client.chat_postEphemeral(channel=incident_channel, user="U0CAROL", text="x")
    assert _error(raised) == "user_not_in_channel"


def test_permalink_and_threads(client: WebClient, standin: SlackStandIn) -> None:
    parent = client.chat_postMessage(channel="general", text="parent")
    reply = client.chat_postMessage(channel="general", text="reply", thread_ts=parent["ts"])
    link = client.chat_getPermalink(channel="C0GENERAL", message_ts=parent["ts"])["permalink"]
    assert link.endswith("/archives/C0GENERAL/p" + parent["ts"].replace(".", ""))
    assert standin.messages("general", include_replies=False)[0]["reply_count"] == 1
    assert reply["message"]["thread_ts"] == parent["ts"]
