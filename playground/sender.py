"""Send signed Slack requests to the bot's HTTP endpoint, exactly as Slack would."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any, TypedDict, Unpack
from urllib.parse import urlencode, urlsplit

from playground.signing import sign

DEFAULT_PATH = "/slack/events"


class SendOptions(TypedDict, total=False):
    """Per-request knobs; the first four exist to provoke the bot's 401 handling."""

    bad_signature: bool
    no_headers: bool
    timestamp: int | None
    timestamp_offset: int
    extra_headers: dict[str, str] | None
    timeout: float | None


@dataclass(frozen=True)
class Reply:
    status: int
    body: str
    json: Any | None
    elapsed: float
    headers: dict[str, str]


def _endpoint(bot_url: str) -> str:
    """Accept ``http://host:port`` (gets ``/slack/events``) or a full endpoint URL."""
    if urlsplit(bot_url).path in ("", "/"):
        return bot_url.rstrip("/") + DEFAULT_PATH
    return bot_url


class SignedSender:
    """Signs each body with the bot's signing secret; see :class:`SendOptions` for tampering."""

    def __init__(self, bot_url: str, signing_secret: str, timeout: float = 10.0) -> None:
        self.url = _endpoint(bot_url)
        self.signing_secret = signing_secret
        self.timeout = timeout

    def post_form(self, fields: dict[str, str], **options: Unpack[SendOptions]) -> Reply:
        body = urlencode(fields).encode()
        return self.post_raw(body, "application/x-www-form-urlencoded", **options)

    def post_json(self, payload: dict[str, Any], **options: Unpack[SendOptions]) -> Reply:
        body = json.dumps(payload).encode()
        return self.post_raw(body, "application/json", **options)

    def command(self, payload: dict[str, str], **options: Unpack[SendOptions]) -> Reply:
        """A slash command: form-encoded fields."""
        return self.post_form(payload, **options)

    def interaction(self, payload: dict[str, Any], **options: Unpack[SendOptions]) -> Reply:
        """block_actions / view_submission / shortcuts: form field ``payload=<json>``."""
        return self.post_form({"payload": json.dumps(payload)}, **options)

    def event(
        self,
        payload: dict[str, Any],
        retry_num: int | None = None,
        retry_reason: str | None = None,
        **options: Unpack[SendOptions],
    ) -> Reply:
        """An Events API callback (JSON), optionally marked as Slack's n-th retry."""
        headers = dict(options.get("extra_headers") or {})
        if retry_num is not None:
            headers["X-Slack-Retry-Num"] = str(retry_num)
        if retry_reason is not None:
            headers["X-Slack-Retry-Reason"] = retry_reason
        options["extra_headers"] = headers
        return self.post_json(payload, **options)

    def post_raw(
        self,
        body: bytes,
        content_type: str,
        *,
        bad_signature: bool = False,
        no_headers: bool = False,
        timestamp: int | None = None,
        timestamp_offset: int = 0,
        extra_headers: dict[str, str] | None = None,
        timeout: float | None = None,
    ) -> Reply:
        ts = (timestamp if timestamp is not None else int(time.time())) + timestamp_offset
        headers = {"Content-Type": content_type, "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)"}
        if not no_headers:
            signature = sign(self.signing_secret, ts, body)
            if bad_signature:
                signature = signature[:-4] + ("0000" if not signature.endswith("0000") else "1111")
            headers["X-Slack-Request-Timestamp"] = str(ts)
            headers["X-Slack-Signature"] = signature
        headers.update(extra_headers or {})
        request = urllib.request.Request(self.url, data=body, headers=headers, method="POST")
        started = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=timeout or self.timeout) as response:
                status, raw, reply_headers = response.status, response.read(), dict(response.headers)
        except urllib.error.HTTPError as error:
            status, raw, reply_headers = error.code, error.read(), dict(error.headers or {})
        elapsed = time.monotonic() - started
        text = raw.decode("utf-8", "replace")
        try:
            decoded: Any | None = json.loads(text) if text.strip() else None
        except ValueError:
            decoded = None
        return Reply(status, text, decoded, elapsed, reply_headers)
