from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from slack_sdk.socket_mode import SocketModeClient
from slack_sdk.socket_mode.client import BaseSocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from playground import SlackStandIn, payloads
from playground.socket_mode import DispatchFailed
from tests.unit.playground.sockets import close_client


@pytest.fixture
def sm_client(standin: SlackStandIn) -> Iterator[tuple[SocketModeClient, list[str], list[SocketModeRequest]]]:
    raw: list[str] = []
    received: list[SocketModeRequest] = []
    client = SocketModeClient(
        app_token="xapp-test",
        web_client=WebClient(token="xoxb-test", base_url=standin.api_url),
        on_message_listeners=[raw.append],
    )

    def on_request(sm: BaseSocketModeClient, request: SocketModeRequest) -> None:
        received.append(request)
        sm.send_socket_mode_response(
            SocketModeResponse(envelope_id=request.envelope_id, payload={"text": f"ack {request.type}"})
        )

    client.socket_mode_request_listeners.append(on_request)
    client.connect()
    try:
        yield client, raw, received
    finally:
        close_client(standin, client)


def test_builtin_client_round_trip(
    standin: SlackStandIn, sm_client: tuple[SocketModeClient, list[str], list[SocketModeRequest]]
) -> None:
    client, raw, received = sm_client
    standin.wait_socket_connected(timeout=3)
    assert standin.wait_for("apps.connections.open").token == "xapp-test"

    envelope_id = standin.send_envelope("slash_commands", standin.slash_command_payload(text="declare db"))
    ack = standin.wait_for_ack(envelope_id)
    assert ack == {"envelope_id": envelope_id, "payload": {"text": "ack slash_commands"}}
    record = standin.acks()[-1]
    assert record.envelope_id == envelope_id and record.latency is not None and record.latency >= 0

    deadline = time.monotonic() + 3  # the client pings on connect; the server must pong
    while client.current_session is None or client.current_session.last_ping_pong_time is None:
        assert time.monotonic() < deadline, "no pong seen by the client"
        time.sleep(0.01)

    hello = json.loads(raw[0])
    assert hello["type"] == "hello" and hello["num_connections"] == 1
    assert hello["connection_info"]["app_id"] == "A0TEST" and "debug_info" in hello

    request = received[0]
    assert request.type == "slash_commands" and request.accepts_response_payload is True
    assert request.payload["text"] == "declare db" and request.retry_attempt is None

    event = standin.event_payload(payloads.message_event("C0GENERAL", "x" * 5000))
    envelope_id = standin.send_envelope("events_api", event, retry_attempt=2, retry_reason="timeout")
    standin.wait_for_ack(envelope_id)
    assert (received[1].retry_attempt, received[1].retry_reason) == (2, "timeout")
    assert received[1].accepts_response_payload is False
    assert received[1].payload["event"]["text"] == "x" * 5000


def test_disconnect_refresh_reconnects(
    standin: SlackStandIn, sm_client: tuple[SocketModeClient, list[str], list[SocketModeRequest]]
) -> None:
    standin.wait_socket_connected(timeout=3)
    standin.send_disconnect()
    standin.wait_socket_connected(timeout=5, total=2)
    assert len(standin.calls("apps.connections.open")) == 2
    envelope_id = standin.send_envelope("interactive", {"type": "block_actions", "actions": []})
    assert standin.wait_for_ack(envelope_id)["payload"] == {"text": "ack interactive"}


def test_tickets_are_single_use(standin: SlackStandIn) -> None:
    url = WebClient(base_url=standin.api_url).apps_connections_open(app_token="xapp-test")["url"]
    with connect(url) as websocket:
        assert json.loads(websocket.recv(timeout=3))["type"] == "hello"
        assert standin.socket_connected(timeout=1)
    with pytest.raises(InvalidStatus), connect(url):
        pass


def test_wait_for_ack_times_out(standin: SlackStandIn) -> None:
    url = WebClient(base_url=standin.api_url).apps_connections_open(app_token="xapp-test")["url"]
    with connect(url) as websocket:
        websocket.recv(timeout=3)
        standin.wait_socket_connected(timeout=1)
        envelope_id = standin.send_envelope("events_api", standin.event_payload({"type": "app_mention"}))
        envelope = json.loads(websocket.recv(timeout=3))
        assert envelope["envelope_id"] == envelope_id and envelope["type"] == "events_api"
        assert envelope["retry_attempt"] == 0 and envelope["retry_reason"] == ""
        with pytest.raises(AssertionError, match="no ack"):
            standin.wait_for_ack(envelope_id, timeout=0.1)
        websocket.send(json.dumps({"envelope_id": envelope_id}))
        assert standin.wait_for_ack(envelope_id) == {"envelope_id": envelope_id}


def test_a_refresh_warns_then_closes_whether_or_not_the_app_reconnected(standin: SlackStandIn) -> None:
    url = WebClient(base_url=standin.api_url).apps_connections_open(app_token="xapp-test")["url"]
    with connect(url) as websocket:
        websocket.recv(timeout=3)
        standin.wait_socket_connected(timeout=1)
        standin.refresh_socket(warning=0.1, grace=0.2)
        assert json.loads(websocket.recv(timeout=3))["reason"] == "warning"
        assert json.loads(websocket.recv(timeout=3))["reason"] == "refresh_requested"
        with pytest.raises(ConnectionClosed):  # this app never reconnected: closed all the same
            websocket.recv(timeout=3)
    with pytest.raises(DispatchFailed):  # nobody left to take a command: Slack's dispatch_failed
        standin.send_envelope("slash_commands", standin.slash_command_payload(text="help"))


def test_envelopes_go_round_the_live_connections_and_skip_a_dropped_one(standin: SlackStandIn) -> None:
    web = WebClient(base_url=standin.api_url)
    with connect(web.apps_connections_open(app_token="xapp-test")["url"]) as first:
        first.recv(timeout=3)
        with connect(web.apps_connections_open(app_token="xapp-test")["url"]) as second:
            second.recv(timeout=3)
            standin.wait_socket_connected(timeout=1, count=2)
            sent = [standin.send_envelope("events_api", {"n": n}) for n in range(2)]
            got = {json.loads(ws.recv(timeout=3))["envelope_id"] for ws in (first, second)}
            assert got == set(sent)  # one each
            standin.drop_socket()  # the oldest (first) goes without a word
            assert standin.connection_count() == 1
            after = [standin.send_envelope("events_api", {"n": n}) for n in range(3)]
            assert [json.loads(second.recv(timeout=3))["envelope_id"] for _ in after] == after
