"""The HTTP front door: Slack's published signature vector passes, anything else is refused."""

from __future__ import annotations

import io
import json
from typing import Any
from urllib.parse import urlencode

import pytest
from slack_sdk.signature import Clock

from bot.app.request_guard import guard
from tests.unit.playground.test_signing import BODY, EXPECTED, SECRET, TIMESTAMP


class At(Clock):
    def __init__(self, now: float) -> None:
        self.at = now

    def now(self) -> float:
        return self.at


def call(
    body: bytes,
    signature: str,
    timestamp: int = TIMESTAMP,
    now: float = TIMESTAMP + 10,
    content_type: str = "application/x-www-form-urlencoded",
) -> tuple[str, bytes]:
    reached: list[bytes] = []

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        reached.append(environ["wsgi.input"].read())
        start_response("200 OK", [])
        return [b"ok"]

    statuses: list[str] = []
    environ = {
        "CONTENT_LENGTH": str(len(body)),
        "CONTENT_TYPE": content_type,
        "wsgi.input": io.BytesIO(body),
        "HTTP_X_SLACK_REQUEST_TIMESTAMP": str(timestamp),
        "HTTP_X_SLACK_SIGNATURE": signature,
    }
    out = b"".join(
        guard(app, SECRET, clock=At(now))(environ, lambda status, headers: statuses.append(status))
    )
    if statuses[0].startswith("200"):
        assert reached == [body]  # the app reads the very body that was verified
    return statuses[0], out


def test_slacks_known_answer_vector_is_accepted() -> None:
    assert call(BODY.encode(), EXPECTED)[0] == "200 OK"


@pytest.mark.parametrize(
    ("signature", "now"),
    [
        (EXPECTED.replace("a2114", "a2115"), TIMESTAMP + 10),  # wrong signature
        ("", TIMESTAMP + 10),  # missing
        (EXPECTED, TIMESTAMP + 6 * 60),  # more than 5 minutes old
    ],
)
def test_anything_else_is_401(signature: str, now: float) -> None:
    status, out = call(BODY.encode(), signature, now=now)
    assert status.startswith("401") and b"signature" in out


def signed(body: bytes) -> str:
    from playground.signing import sign

    return sign(SECRET, TIMESTAMP, body)


@pytest.mark.parametrize(
    ("body", "content_type", "reason"),
    [
        (urlencode({"payload": "{not json"}).encode(), "application/x-www-form-urlencoded", b"not JSON"),
        (
            urlencode({"payload": "[1, 2]"}).encode(),
            "application/x-www-form-urlencoded",
            b"object with a type",
        ),
        (
            urlencode(
                {"payload": json.dumps({"type": "block_actions", "user": {"id": "U1"}, "actions": []})}
            ).encode(),
            "application/x-www-form-urlencoded",
            b"has actions",
        ),
        (b'{"type": "event_callback"}', "application/json", b"event object"),
        (b"\\xff\\xfe", "application/json", b"not JSON"),
    ],
)
def test_signed_but_not_a_slack_payload_is_400(body: bytes, content_type: str, reason: bytes) -> None:
    status, out = call(body, signed(body), content_type=content_type)
    assert status.startswith("400") and reason in out


@pytest.mark.parametrize("timestamp", ["", "soon"])
def test_missing_or_odd_timestamp_is_401(timestamp: str) -> None:
    reached: list[bytes] = []
    statuses: list[str] = []
    environ = {
        "CONTENT_LENGTH": str(len(BODY)),
        "CONTENT_TYPE": "application/x-www-form-urlencoded",
        "wsgi.input": io.BytesIO(BODY.encode()),
        "HTTP_X_SLACK_REQUEST_TIMESTAMP": timestamp,
        "HTTP_X_SLACK_SIGNATURE": EXPECTED,
    }

    def inner(_environ: dict[str, Any], _start_response: Any) -> list[bytes]:
        reached.append(b"")
        return []

    app = guard(inner, SECRET, clock=At(TIMESTAMP))
    list(app(environ, lambda status, headers: statuses.append(status)))
    assert statuses == ["401 Unauthorized"] and reached == []
