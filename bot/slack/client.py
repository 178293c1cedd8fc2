"""The Web API client, built once per app with the base URL and the retry handlers."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.webhook import WebhookClient


def retry_handlers() -> list[RetryHandler]:
    """Retry connection errors, 429s (honouring Retry-After) and 5xx replies."""
    return [
        ConnectionErrorRetryHandler(max_retry_count=4),
        RateLimitErrorRetryHandler(max_retry_count=8),
        ServerErrorRetryHandler(max_retry_count=5),
    ]


def make_web_client(token: str, base_url: str, timeout: int = 15) -> WebClient:
    return WebClient(token=token, base_url=base_url, timeout=timeout, retry_handlers=retry_handlers())


def make_webhook_client(url: str, timeout: int = 15) -> WebhookClient:
    return WebhookClient(url, timeout=timeout, retry_handlers=retry_handlers())
