"""The stand-in's payloads, sender and Socket Mode, checked against a real slack_bolt App."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from slack_bolt import Ack, App, Respond
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient

from playground import SignedSender, SlackStandIn, payloads
from tests.unit.playground.sockets import close_client

SECRET = "standin-signing-secret"
MODAL: dict[str, Any] = {
    "type": "modal",
    "callback_id": "declare",
    "title": {"type": "plain_text", "text": "Declare"},
    "submit": {"type": "plain_text", "text": "Go"},
    "blocks": [
        {
            "type": "input",
            "block_id": "title",
            "label": {"type": "plain_text", "text": "Title"},
            "element": {"type": "plain_text_input", "action_id": "value"},
        }
    ],
}


def _build_app(standin: SlackStandIn, seen: dict[str, Any]) -> App:
    app = App(
        token="xoxb-test",
        signing_secret=SECRET,
        client=WebClient(token="xoxb-test", base_url=standin.api_url),
    )

    @app.command("/incident")
    def on_command(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        seen["command"] = body
        client.views_open(trigger_id=body["trigger_id"], view=MODAL)
        respond(text="Opening the form")

    @app.view("declare")
    def on_submit(ack: Ack, view: dict[str, Any]) -> None:
        title = view["state"]["values"]["title"]["value"]["value"]
        seen["title"] = title
        if title == "bad":
            ack(response_action="errors", errors={"title": "Too vague"})
        else:
            ack()

    @app.action("ack_incident")
    def on_action(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        seen["action"] = body["actions"][0]

    @app.event("app_mention")
    def on_mention(event: dict[str, Any]) -> None:
        seen["mention"] = event["text"]

    return app


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture
def http_bot(standin: SlackStandIn) -> Iterator[tuple[SignedSender, dict[str, Any]]]:
    seen: dict[str, Any] = {}
    handler = SlackRequestHandler(_build_app(standin, seen))
    server: WSGIServer = make_server("127.0.0.1", 0, handler, handler_class=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield SignedSender(f"http://127.0.0.1:{server.server_port}", SECRET), seen
    finally:
        server.shutdown()
        server.server_close()


def test_signed_http_requests_reach_bolt(
    standin: SlackStandIn, http_bot: tuple[SignedSender, dict[str, Any]]
) -> None:
    sender, seen = http_bot
    payload = standin.slash_command_payload("/incident", "declare", user_id="U0BOB", channel_id="C0INCRESP")
    reply = sender.command(payload)
    assert reply.status == 200 and reply.elapsed < 5
    assert seen["command"]["user_name"] == "bob" and seen["command"]["channel_name"] == "incident-response"
    assert standin.wait_for("views.open").ok
    assert standin.wait_for_response(payload["response_url"])["text"] == "Opening the form"

    submit = standin.view_submission_payload(
        {"title": {"value": payloads.plain_text_value("bad")}}, callback_id="declare"
    )
    reply = sender.interaction(submit)
    assert reply.status == 200 and reply.json == {
        "response_action": "errors",
        "errors": {"title": "Too vague"},
    }

    posted = WebClient(token="xoxb-test", base_url=standin.api_url).chat_postMessage(
        channel="general", text="SEV2"
    )
    action = standin.block_actions_payload(
        "ack_incident", "INC-1", channel_id="C0GENERAL", message_ts=posted["ts"]
    )
    assert sender.interaction(action).status == 200
    assert seen["action"]["value"] == "INC-1"

    event = standin.event_payload(payloads.app_mention_event("C0GENERAL", "<@UBOT> status"))
    assert sender.event(event, retry_num=1, retry_reason="http_timeout").status == 200


@pytest.mark.parametrize(
    "options",
    [{"bad_signature": True}, {"no_headers": True}, {"timestamp_offset": -600}],
)
def test_bolt_rejects_tampered_requests(
    standin: SlackStandIn, http_bot: tuple[SignedSender, dict[str, Any]], options: dict[str, Any]
) -> None:
    sender, seen = http_bot
    reply = sender.command(standin.slash_command_payload(), **options)
    assert reply.status == 401
    assert "command" not in seen


def test_bolt_socket_mode_end_to_end(standin: SlackStandIn) -> None:
    seen: dict[str, Any] = {}
    handler = SocketModeHandler(_build_app(standin, seen), app_token="xapp-test")
    handler.connect()  # type: ignore[no-untyped-call]  # slack_bolt leaves connect() unannotated
    try:
        standin.wait_socket_connected(timeout=3)
        envelope_id = standin.send_envelope("slash_commands", standin.slash_command_payload(text="sev1"))
        assert standin.wait_for_ack(envelope_id)["envelope_id"] == envelope_id
        assert standin.wait_for("views.open").ok
        values = {"title": {"value": payloads.plain_text_value("bad")}}
        envelope_id = standin.send_envelope(
            "interactive", standin.view_submission_payload(values, callback_id="declare")
        )
        ack = standin.wait_for_ack(envelope_id)
        assert ack["payload"] == {"response_action": "errors", "errors": {"title": "Too vague"}}
    finally:
        close_client(standin, handler.client)
