"""The stand-in grants the bot the scopes manifest.yml asks for, and refuses the rest like Slack."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from playground import SlackStandIn
from playground.scopes import manifest_scopes


def test_a_call_without_its_scope_gets_missing_scope() -> None:
    with SlackStandIn(scopes=frozenset({"chat:write", "channels:manage"})) as standin:
        client = WebClient(token="xoxb-test", base_url=standin.api_url, timeout=5)
        channel = client.conversations_create(name="inc-scopes")["channel"]["id"]
        client.chat_postMessage(channel=channel, text="hello")
        with pytest.raises(SlackApiError) as refused:
            client.conversations_history(channel=channel)
        assert refused.value.response["error"] == "missing_scope"
        assert refused.value.response["needed"] == "channels:history"
        with pytest.raises(SlackApiError) as public:
            client.chat_postMessage(channel="incident-response", text="not a member")
        assert public.value.response["needed"] == "chat:write.public"


def test_the_scope_depends_on_the_kind_of_channel() -> None:
    with SlackStandIn(scopes=frozenset({"groups:write", "chat:write", "channels:history"})) as standin:
        client = WebClient(token="xoxb-test", base_url=standin.api_url, timeout=5)
        private = client.conversations_create(name="inc-private", is_private=True)["channel"]["id"]
        with pytest.raises(SlackApiError) as refused:
            client.conversations_history(channel=private)
        assert refused.value.response["needed"] == "groups:history"


def test_by_default_the_scopes_are_the_manifests() -> None:
    granted = manifest_scopes()
    assert granted is not None and "chat:write" in granted
    with SlackStandIn() as standin:
        client = WebClient(token="xoxb-test", base_url=standin.api_url, timeout=5)
        with pytest.raises(SlackApiError) as refused:
            client.reactions_add(channel="general", timestamp="1.0", name="pushpin")
        assert refused.value.response["error"] == "missing_scope"  # the bot never reacts
