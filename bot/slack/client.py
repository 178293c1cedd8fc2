"""The Web API clients, built once per app with the base URL and their retry handlers.

Two kinds: the request path (opening a form, answering, asking about people) retries once when
that still fits in Slack's 3 seconds; the delivery workers' client never retries inside a call,
because the outbox decides when to try an effect again (and looks before re-sending a post).
"""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.webhook import WebhookClient


class QuickRateLimitRetry(RateLimitErrorRetryHandler):
    """Retry a 429 only when Slack asks for at most a second's wait (a request is waiting)."""

    def _can_retry(self, *, response: Any = None, **kwargs: Any) -> bool:
        if response is None or response.status_code != 429:
            return False
        wait = next((v for k, v in response.headers.items() if k.lower() == "retry-after"), ["1"])
        try:
            return int(wait[0] if isinstance(wait, list) else wait) <= 1
        except ValueError:
            return False


def quick_retries() -> list[RetryHandler]:
    """A request is waiting (and a form's trigger_id lives 3 s): one quick retry, no 5xx retry."""
    return [ConnectionErrorRetryHandler(max_retry_count=1), QuickRateLimitRetry(max_retry_count=1)]


def make_web_client(token: str, base_url: str, timeout: int = 2, retries: bool = True) -> WebClient:
    """``retries``: the request path's client (short timeout, a quick retry); without, the delivery
    workers' (the outbox decides when to try again; a slow Slack only holds one worker)."""
    handlers = quick_retries() if retries else []
    return WebClient(
        token=token, base_url=base_url, timeout=timeout if retries else 15, retry_handlers=handlers
    )


def make_webhook_client(url: str, timeout: int = 10) -> WebhookClient:
    return WebhookClient(url, timeout=timeout, retry_handlers=quick_retries())
