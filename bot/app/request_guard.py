"""The front door of HTTP mode: only signed requests of a shape Slack sends reach Bolt.

An unsigned or stale request gets 401; a signed one that is not a Slack payload (bad JSON, a
list where an object belongs, a button press without its action) gets 400 with a short reason,
never a 500 and never a stack trace.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

from slack_sdk.signature import SignatureVerifier

log = logging.getLogger(__name__)

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]
MAX_BODY = 1024 * 1024


class BadRequest(Exception):
    pass


def _need(condition: bool, reason: str) -> None:
    if not condition:
        raise BadRequest(reason)


def check_shape(content_type: str, body: bytes) -> None:
    """Raise BadRequest unless ``body`` looks like something Slack sends to /slack/events."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest("the body is not UTF-8") from None
    if content_type.startswith("application/json"):
        try:
            data = json.loads(text)
        except ValueError:
            raise BadRequest("the body is not JSON") from None
        _need(isinstance(data, dict) and isinstance(data.get("type"), str), "a JSON object with a type")
        if data["type"] == "event_callback":
            _need(isinstance(data.get("event"), dict), "an event_callback carries an event object")
        return
    form = parse_qs(text, keep_blank_values=True)
    if "payload" not in form:
        return  # a slash command (Bolt answers 404 to anything it has no listener for)
    try:
        payload = json.loads(form["payload"][0])
    except ValueError:
        raise BadRequest("payload is not JSON") from None
    _need(
        isinstance(payload, dict) and isinstance(payload.get("type"), str), "payload is an object with a type"
    )
    _need(isinstance(payload.get("user"), dict), "payload names its user")
    kind = payload["type"]
    if kind == "block_actions":
        actions = payload.get("actions")
        _need(
            isinstance(actions, list) and bool(actions) and isinstance(actions[0], dict),
            "block_actions has actions",
        )
    if kind in ("view_submission", "view_closed"):
        view = payload.get("view")
        keys = ("id", "type", "callback_id")
        named = isinstance(view, dict) and all(isinstance(view.get(k), str) for k in keys)
        _need(named, "a view with its id, type and callback_id")
        _need(isinstance(view.get("state", {}).get("values", {}), dict), "view state values are an object")


def guard(app: WsgiApp, signing_secret: str, clock: Any = None) -> WsgiApp:
    """Wrap ``app``; ``clock`` (an object with ``now()``) is for tests of old signatures."""
    verifier = SignatureVerifier(signing_secret, clock=clock) if clock else SignatureVerifier(signing_secret)

    def reply(start_response: StartResponse, status: str, reason: str) -> list[bytes]:
        start_response(status, [("Content-Type", "application/json")])
        return [json.dumps({"error": reason}).encode()]

    def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return reply(start_response, "400 Bad Request", "bad Content-Length")
        if length > MAX_BODY:
            return reply(start_response, "413 Payload Too Large", f"at most {MAX_BODY} bytes")
        body = environ["wsgi.input"].read(length) if length else b""
        headers = {
            "x-slack-request-timestamp": environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", ""),
            "x-slack-signature": environ.get("HTTP_X_SLACK_SIGNATURE", ""),
        }
        try:
            signed = verifier.is_valid_request(body, headers)
        except UnicodeDecodeError:
            return reply(start_response, "400 Bad Request", "the body is not UTF-8")
        except ValueError:  # no or a non-numeric X-Slack-Request-Timestamp
            signed = False
        if not signed:
            return reply(start_response, "401 Unauthorized", "invalid or missing Slack signature")
        try:
            check_shape(environ.get("CONTENT_TYPE") or "", body)
        except BadRequest as problem:
            log.warning("refused a signed request that is not a Slack payload: %s", problem)
            return reply(start_response, "400 Bad Request", f"not a Slack payload: {problem}")
        environ["wsgi.input"] = io.BytesIO(body)
        return app(environ, start_response)

    return application
