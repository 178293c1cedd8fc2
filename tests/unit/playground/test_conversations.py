from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from playground import SlackStandIn


def _error(raised: pytest.ExceptionInfo[SlackApiError]) -> str:
    return str(raised.value.response["error"])


def test_seeded_workspace(standin: SlackStandIn, client: WebClient) -> None:
    for name in ("incident-response", "leadership", "general"):
        channel = standin.channel(name)
        assert channel is not None and channel["is_member"] is False
    assert standin.channel("C0INCRESP") is not None
    alice = client.users_info(user="U0ALICE")["user"]
    assert alice["name"] == "alice" and alice["is_bot"] is False and alice["deleted"] is False
    assert alice["profile"]["display_name"] == "alice" and alice["tz"]
    assert client.users_info(user="U0OTHERBOT")["user"]["is_bot"] is True
    assert client.users_info(user="U0GONE")["user"]["deleted"] is True
    with pytest.raises(SlackApiError) as raised:
        client.users_info(user="U0NOBODY")
    assert _error(raised) == "user_not_found"
    groups = client.usergroups_list(include_users=True)["usergroups"]
    assert groups[0]["handle"] == "oncall"
    assert client.usergroups_users_list(usergroup=groups[0]["id"])["users"] == ["U0ALICE", "U0BOB"]


def test_create_makes_the_bot_a_member(client: WebClient, standin: SlackStandIn) -> None:
    channel = client.conversations_create(name="inc-2024-db_outage", is_private=True)["channel"]
    assert (
        channel["id"].startswith("C")
        and channel["is_private"] is True
        and channel["name"] == "inc-2024-db_outage"
    )
    assert isinstance(channel["created"], int)
    assert standin.members(channel["id"]) == ["UBOT"]


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("", "invalid_name_required"),
        ("Inc-Upper", "invalid_name_specials"),
        ("inc space", "invalid_name_specials"),
        ("inc-café", "invalid_name_specials"),
        ("x" * 81, "invalid_name_maxlength"),
        ("general", "name_taken"),
    ],
)
def test_create_name_errors(client: WebClient, name: str, error: str) -> None:
    with pytest.raises(SlackApiError) as raised:
        client.conversations_create(name=name)
    assert _error(raised) == error


def test_name_taken_after_create(client: WebClient) -> None:
    client.conversations_create(name="inc-1")
    with pytest.raises(SlackApiError) as raised:
        client.conversations_create(name="inc-1")
    assert _error(raised) == "name_taken"
    assert client.conversations_create(name="x" * 80)["ok"] is True


def test_invite_rules(client: WebClient, standin: SlackStandIn, incident_channel: str) -> None:
    with pytest.raises(SlackApiError) as raised:
        client.conversations_invite(channel="C0INCRESP", users="U0BOB")
    assert _error(raised) == "not_in_channel"
    cases = {"U0ALICE": "already_in_channel", "UBOT": "cant_invite_self", "U0NOPE": "user_not_found"}
    cases["U0GONE"] = "cant_invite"
    for user, error in cases.items():
        with pytest.raises(SlackApiError) as raised:
            client.conversations_invite(channel=incident_channel, users=user)
        assert _error(raised) == error, user
    reply = client.conversations_invite(channel=incident_channel, users=["U0ALICE", "U0BOB", "U0CAROL"])
    assert reply["ok"] is True
    assert standin.members(incident_channel) == ["UBOT", "U0ALICE", "U0BOB", "U0CAROL"]


def test_join_public_only(client: WebClient, standin: SlackStandIn) -> None:
    assert client.conversations_join(channel="C0INCRESP")["channel"]["is_member"] is True
    assert "UBOT" in standin.members("incident-response")
    private = standin.add_channel("hush", is_private=True, members=["U0ALICE"], bot_member=True)
    with pytest.raises(SlackApiError) as raised:
        client.conversations_join(channel=private)
    assert _error(raised) == "method_not_supported_for_channel_type"


def test_topic_and_purpose(client: WebClient, standin: SlackStandIn, incident_channel: str) -> None:
    with pytest.raises(SlackApiError) as raised:
        client.conversations_setTopic(channel="C0LEADERS", topic="x")
    assert _error(raised) == "not_in_channel"
    with pytest.raises(SlackApiError) as raised:
        client.conversations_setTopic(channel=incident_channel, topic="x" * 251)
    assert _error(raised) == "too_long"
    client.conversations_setTopic(channel=incident_channel, topic="SEV1 | IC: alice")
    client.conversations_setPurpose(channel=incident_channel, purpose="Database outage")
    assert standin.topic(incident_channel) == "SEV1 | IC: alice"
    assert standin.purpose(incident_channel) == "Database outage"
    info = client.conversations_info(channel=incident_channel)["channel"]
    assert info["topic"]["value"] == "SEV1 | IC: alice"


def test_pins_and_bookmarks(client: WebClient, standin: SlackStandIn, incident_channel: str) -> None:
    ts = client.chat_postMessage(channel=incident_channel, text="summary")["ts"]
    with pytest.raises(SlackApiError) as raised:
        client.pins_add(channel="C0GENERAL", timestamp=ts)
    assert _error(raised) == "not_in_channel"
    client.pins_add(channel=incident_channel, timestamp=ts)
    with pytest.raises(SlackApiError) as raised:
        client.pins_add(channel=incident_channel, timestamp=ts)
    assert _error(raised) == "already_pinned"
    assert standin.pins(incident_channel) == [ts]
    client.pins_remove(channel=incident_channel, timestamp=ts)
    with pytest.raises(SlackApiError) as raised:
        client.pins_remove(channel=incident_channel, timestamp=ts)
    assert _error(raised) == "no_pin"
    client.bookmarks_add(
        channel_id=incident_channel, title="Runbook", type="link", link="https://runbooks/db"
    )
    assert [b["title"] for b in standin.bookmarks(incident_channel)] == ["Runbook"]
    with pytest.raises(SlackApiError) as raised:
        client.bookmarks_add(channel_id=incident_channel, title="Bad", type="link", link="ftp://x")
    assert _error(raised) == "invalid_link"


def test_list_paginates(client: WebClient, standin: SlackStandIn) -> None:
    for i in range(5):
        standin.add_channel(f"extra-{i}")
    standin.add_channel("hidden", is_private=True)
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        reply = client.conversations_list(limit=3, cursor=cursor)
        seen += [c["name"] for c in reply["channels"]]
        pages += 1
        cursor = reply["response_metadata"]["next_cursor"]
        if not cursor:
            break
    assert pages == 3
    assert "hidden" not in seen and len(seen) == 8


def test_archive_and_history(client: WebClient, standin: SlackStandIn, incident_channel: str) -> None:
    for text in ("a", "b", "c"):
        client.chat_postMessage(channel=incident_channel, text=text)
    history = client.conversations_history(channel=incident_channel, limit=2)
    assert [m["text"] for m in history["messages"]] == ["c", "b"] and history["has_more"] is True
    client.conversations_archive(channel=incident_channel)
    channel = standin.channel(incident_channel)
    assert channel is not None and channel["is_archived"] is True
    with pytest.raises(SlackApiError) as raised:
        client.conversations_archive(channel=incident_channel)
    assert _error(raised) == "already_archived"
