"""Plain records the stand-in hands to tests: Web API calls, files, acks, response_url posts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Call:
    """One Web API call as the stand-in saw and answered it (faulted calls included)."""

    method: str
    args: dict[str, Any]
    token: str | None
    at: float
    response: dict[str, Any]
    status: int

    @property
    def ok(self) -> bool:
        return self.status == 200 and self.response.get("ok") is True

    @property
    def error(self) -> str | None:
        error = self.response.get("error")
        return error if isinstance(error, str) else None


@dataclass
class StoredFile:
    """A file uploaded through files.getUploadURLExternal + files.completeUploadExternal."""

    id: str
    name: str
    length: int
    title: str = ""
    content: bytes = b""
    uploaded: bool = False
    completed: bool = False
    channel: str | None = None
    initial_comment: str | None = None
    thread_ts: str | None = None
    created: float = 0.0


@dataclass(frozen=True)
class Ack:
    """A Socket Mode acknowledgement received from the bot."""

    envelope_id: str
    body: dict[str, Any]
    received_at: float
    sent_at: float | None = None

    @property
    def payload(self) -> dict[str, Any] | None:
        payload = self.body.get("payload")
        return payload if isinstance(payload, dict) else None

    @property
    def latency(self) -> float | None:
        return None if self.sent_at is None else self.received_at - self.sent_at


@dataclass(frozen=True)
class ResponsePost:
    """A POST the bot made to a response_url the stand-in minted."""

    url: str
    body: dict[str, Any]
    at: float
