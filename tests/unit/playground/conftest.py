from __future__ import annotations

from collections.abc import Iterator

import pytest
from slack_sdk import WebClient

from playground import SlackStandIn


@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    """Every scope granted: these tests are about the methods (test_scopes.py checks scopes)."""
    with SlackStandIn(scopes=None) as running:
        yield running


@pytest.fixture
def client(standin: SlackStandIn) -> WebClient:
    return WebClient(token="xoxb-test", base_url=standin.api_url, timeout=5)


@pytest.fixture
def incident_channel(client: WebClient) -> str:
    """A channel the bot created (so it is a member), with alice in it."""
    channel_id: str = client.conversations_create(name="inc-test")["channel"]["id"]
    client.conversations_invite(channel=channel_id, users="U0ALICE")
    return channel_id
