from __future__ import annotations

import contextlib
import socket
import threading
import time

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from playground import SlackStandIn


def test_429_is_retried_by_slack_sdk(standin: SlackStandIn) -> None:
    client = WebClient(token="xoxb-test", base_url=standin.api_url)
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=1))
    standin.fail_next("chat.postMessage", status=429, retry_after=0)
    reply = client.chat_postMessage(channel="general", text="eventually")
    assert reply["ok"] is True
    log = standin.calls("chat.postMessage")
    assert [c.status for c in log] == [429, 200]
    assert log[0].response == {"ok": False, "error": "ratelimited"}
    assert len(standin.messages("general")) == 1


def test_429_carries_retry_after(standin: SlackStandIn, client: WebClient) -> None:
    standin.fail_next("auth.test", retry_after=7)
    with pytest.raises(SlackApiError) as raised:
        client.auth_test()
    assert raised.value.response.status_code == 429
    assert raised.value.response.headers["Retry-After"] in ("7", ["7"])
    assert client.auth_test()["ok"] is True


def test_500_and_forced_errors(standin: SlackStandIn, client: WebClient) -> None:
    standin.fail_next("conversations.create", status=500, times=2)
    for _ in range(2):
        with pytest.raises(SlackApiError) as raised:
            client.conversations_create(name="inc-500")
        assert raised.value.response.status_code == 500
    standin.fail_next("conversations.create", error="restricted_action")
    with pytest.raises(SlackApiError) as raised:
        client.conversations_create(name="inc-500")
    assert raised.value.response.status_code == 200
    assert raised.value.response["error"] == "restricted_action"
    assert client.conversations_create(name="inc-500")["ok"] is True
    assert [c.status for c in standin.calls("conversations.create")] == [500, 500, 200, 200]


def test_random_faults_are_seeded(standin: SlackStandIn, client: WebClient) -> None:
    def run() -> list[int]:
        standin.reset_calls()
        standin.set_fault_rates(0.3, 0.2, seed=42, methods={"auth.test"}, retry_after=0)
        for _ in range(30):
            with contextlib.suppress(SlackApiError):
                client.auth_test()
        return [c.status for c in standin.calls("auth.test")]

    first, second = run(), run()
    assert first == second
    assert {429, 500, 200} == set(first)
    standin.clear_faults()
    assert client.auth_test()["ok"] is True


def test_hold_parks_a_call_until_released(standin: SlackStandIn, client: WebClient) -> None:
    handle = standin.hold("chat.postMessage", lambda args: args.get("channel") == "C0GENERAL")
    results: list[str] = []
    worker = threading.Thread(
        target=lambda: results.append(client.chat_postMessage(channel="C0GENERAL", text="held")["ts"])
    )
    worker.start()
    assert handle.wait_held(timeout=3)
    assert client.chat_postMessage(channel="C0LEADERS", text="not held")["ok"] is True
    assert standin.messages("general") == [] and results == []
    handle.release()
    worker.join(timeout=3)
    assert len(results) == 1 and standin.messages("general")[0]["text"] == "held"


def test_held_call_survives_the_client_vanishing(standin: SlackStandIn, client: WebClient) -> None:
    handle = standin.hold("chat.postMessage")
    body = b"channel=C0GENERAL&text=orphan"
    head = (
        "POST /api/chat.postMessage HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer xoxb-test\r\n"
        f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", int(standin.base_url.rsplit(":", 1)[1])), timeout=3) as sock:
        sock.sendall(head.encode() + body)
        assert handle.wait_held(timeout=3)
    handle.release()  # the "bot" is gone; the stand-in still finishes and records the call
    call = standin.wait_for("chat.postMessage", timeout=3)
    assert call.ok and standin.messages("general")[0]["text"] == "orphan"
    assert client.auth_test()["ok"] is True


def test_wait_for_times_out_with_a_listing(standin: SlackStandIn, client: WebClient) -> None:
    client.auth_test()
    with pytest.raises(AssertionError, match=r"auth\.test x1"):
        standin.wait_for("chat.postMessage", timeout=0.1)


def test_latency_makes_every_call_take_its_time(standin: SlackStandIn, client: WebClient) -> None:
    standin.set_latency(0.05, 0.08, seed=1)
    for _ in range(3):
        started = time.monotonic()
        assert client.auth_test()["ok"] is True
        assert time.monotonic() - started >= 0.05
    standin.set_latency(0)
    started = time.monotonic()
    client.auth_test()
    assert time.monotonic() - started < 0.05
    with pytest.raises(ValueError):
        standin.set_latency(0.3, 0.1)
