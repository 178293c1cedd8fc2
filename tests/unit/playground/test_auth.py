from __future__ import annotations

import json
import urllib.request
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from playground import SlackStandIn


def _raw_call(standin: SlackStandIn, method: str, body: bytes, headers: dict[str, str]) -> dict[str, Any]:
    request = urllib.request.Request(standin.api_url + method, data=body, headers=headers, method="POST")
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.status == 200
        decoded: dict[str, Any] = json.loads(response.read())
        return decoded


def test_auth_test_describes_the_bot(client: WebClient) -> None:
    reply = client.auth_test()
    assert reply["ok"] is True
    assert reply["user_id"] == "UBOT"
    assert reply["bot_id"] == "BBOT"
    assert reply["team_id"] == "T0TEST"
    assert reply["url"].endswith("/")


def test_api_url_shape(standin: SlackStandIn) -> None:
    assert standin.api_url.startswith("http://127.0.0.1:")
    assert standin.api_url.endswith("/api/")


@pytest.mark.parametrize(
    ("token", "error"),
    [(None, "not_authed"), ("xoxb-wrong", "invalid_auth"), ("xapp-test", "not_allowed_token_type")],
)
def test_bad_tokens(standin: SlackStandIn, token: str | None, error: str) -> None:
    with pytest.raises(SlackApiError) as raised:
        WebClient(token=token, base_url=standin.api_url).auth_test()
    assert raised.value.response.status_code == 200
    assert raised.value.response["error"] == error
    assert standin.calls("auth.test")[-1].error == error


def test_connections_open_needs_the_app_token(standin: SlackStandIn) -> None:
    with pytest.raises(SlackApiError) as raised:
        WebClient(token="xoxb-test", base_url=standin.api_url).apps_connections_open(app_token="xoxb-test")
    assert raised.value.response["error"] == "not_allowed_token_type"
    reply = WebClient(base_url=standin.api_url).apps_connections_open(app_token="xapp-test")
    assert reply["url"].startswith(f"ws://127.0.0.1:{standin.socket_port}/link/?ticket=")


def test_token_in_form_body_and_unknown_method(standin: SlackStandIn) -> None:
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    assert _raw_call(standin, "auth.test", b"token=xoxb-test", form)["ok"] is True
    assert standin.calls("auth.test")[-1].token == "xoxb-test"
    assert "token" not in standin.calls("auth.test")[-1].args
    reply = _raw_call(standin, "no.such.method", b"token=xoxb-test", form)
    assert reply == {"ok": False, "error": "unknown_method"}


def test_bad_json_body_is_refused_like_slack(standin: SlackStandIn) -> None:
    headers = {"Content-Type": "application/json", "Authorization": "Bearer xoxb-test"}
    assert _raw_call(standin, "chat.postMessage", b"{not json", headers)["error"] == "invalid_json"
    assert _raw_call(standin, "chat.postMessage", b"[1, 2]", headers)["error"] == "json_not_object"
