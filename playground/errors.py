"""The error a Web API method raises to answer ``{"ok": false, "error": ...}``."""

from __future__ import annotations

from typing import Any


class SlackError(Exception):
    """Raised inside a method implementation; becomes an HTTP 200 ``ok: false`` reply."""

    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.extra = extra

    def body(self) -> dict[str, Any]:
        return {"ok": False, "error": self.error, **self.extra}


def invalid_arguments(*messages: str) -> SlackError:
    """Slack's schema-failure reply, with ``response_metadata.messages`` like the real API."""
    lines = [f"[ERROR] {m}" for m in messages]
    return SlackError("invalid_arguments", response_metadata={"messages": lines})


def unsupported(detail: str) -> SlackError:
    """A feature this stand-in deliberately does not implement (never a real Slack error)."""
    return SlackError("standin_unsupported", detail=detail)
