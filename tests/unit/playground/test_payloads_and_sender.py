from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any, ClassVar
from urllib.parse import parse_qs

import pytest

from playground import SignedSender, SlackStandIn, payloads
from playground.signing import verify

SLASH_FIELDS = {
    "token", "team_id", "team_domain", "channel_id", "channel_name", "user_id", "user_name", "command",
    "text", "api_app_id", "is_enterprise_install", "response_url", "trigger_id",
}  # fmt: skip


def test_slash_command_has_slacks_fields(standin: SlackStandIn) -> None:
    fields = standin.slash_command_payload("/incident", "declare sev1", "U0CAROL", "C0LEADERS")
    assert set(fields) == SLASH_FIELDS
    assert all(isinstance(v, str) for v in fields.values())
    assert (fields["user_name"], fields["channel_name"], fields["team_id"]) == (
        "carol",
        "leadership",
        "T0TEST",
    )
    assert fields["response_url"].startswith(standin.base_url + "/response/")


def test_pure_builders() -> None:
    actions = payloads.block_actions("pick", user_id="U0BOB", trigger_id="t", selected_user="U0ALICE")
    assert (
        actions["actions"][0]["type"] == "users_select"
        and actions["actions"][0]["selected_user"] == "U0ALICE"
    )
    assert actions["user"]["id"] == "U0BOB" and actions["trigger_id"] == "t"
    submission = payloads.view_submission(
        "cb", {"b": {"a": payloads.users_select_value("U0BOB")}}, trigger_id="t"
    )
    assert submission["view"]["callback_id"] == "cb" and submission["view"]["state"]["values"]["b"]["a"]
    event = payloads.event_callback(payloads.message_event("C1", "hi"), event_id="Ev1")
    assert event["type"] == "event_callback" and event["event_id"] == "Ev1" and event["event"]["text"] == "hi"
    shortcut = payloads.message_action(
        "cb", {"ts": "1.2", "text": "x"}, "C1", trigger_id="t", response_url="u"
    )
    assert shortcut["type"] == "message_action" and shortcut["message_ts"] == "1.2"


def test_message_action_payload_embeds_the_stored_message(standin: SlackStandIn) -> None:
    message = standin.add_message("general", "the db is on fire", user="U0DAVE")
    payload = standin.message_action_payload("declare_from_message", "general", message["ts"])
    assert payload["message"]["text"] == "the db is on fire" and payload["channel"]["id"] == "C0GENERAL"


class _Recorder(BaseHTTPRequestHandler):
    requests: ClassVar[list[tuple[str, dict[str, str], bytes]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.requests.append((self.path, dict(self.headers), body))
        reply = b'{"ok": true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture
def recorder() -> Iterator[tuple[str, list[tuple[str, dict[str, str], bytes]]]]:
    _Recorder.requests = []
    server = HTTPServer(("127.0.0.1", 0), _Recorder)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", _Recorder.requests
    finally:
        server.shutdown()
        server.server_close()


def test_sender_signs_like_slack(recorder: tuple[str, list[tuple[str, dict[str, str], bytes]]]) -> None:
    url, requests = recorder
    sender = SignedSender(url, "s3cret")
    reply = sender.interaction({"type": "block_actions"})
    assert reply.status == 200 and reply.json == {"ok": True}
    path, headers, body = requests[-1]
    assert path == "/slack/events"
    assert headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert json.loads(parse_qs(body.decode())["payload"][0]) == {"type": "block_actions"}
    assert verify("s3cret", headers["X-Slack-Request-Timestamp"], body, headers["X-Slack-Signature"])

    sender.event({"type": "event_callback"}, retry_num=2, retry_reason="http_timeout", timestamp_offset=-600)
    _, headers, body = requests[-1]
    assert headers["Content-Type"] == "application/json"
    assert (headers["X-Slack-Retry-Num"], headers["X-Slack-Retry-Reason"]) == ("2", "http_timeout")
    assert not verify("s3cret", headers["X-Slack-Request-Timestamp"], body, headers["X-Slack-Signature"])

    sender.command({"command": "/incident"}, no_headers=True)
    assert "X-Slack-Signature" not in requests[-1][1]
    sender.post_json({"a": 1}, bad_signature=True)
    _, headers, body = requests[-1]
    assert not verify("s3cret", headers["X-Slack-Request-Timestamp"], body, headers["X-Slack-Signature"])
