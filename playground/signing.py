"""Slack request signing (the ``v0`` scheme) used by the sender and by tests."""

from __future__ import annotations

import hashlib
import hmac
import time

VERSION = "v0"
DEFAULT_MAX_AGE = 300  # Slack rejects requests older than five minutes.


def _as_bytes(value: bytes | str) -> bytes:
    return value if isinstance(value, bytes) else value.encode("utf-8")


def sign(signing_secret: str, timestamp: int | str, body: bytes | str) -> str:
    """Return the ``X-Slack-Signature`` value for ``body`` sent at ``timestamp``."""
    base = VERSION.encode() + b":" + str(timestamp).encode() + b":" + _as_bytes(body)
    digest = hmac.new(signing_secret.encode("utf-8"), base, hashlib.sha256).hexdigest()
    return f"{VERSION}={digest}"


def verify(
    signing_secret: str,
    timestamp: int | str,
    body: bytes | str,
    signature: str,
    *,
    now: float | None = None,
    max_age: int | None = DEFAULT_MAX_AGE,
) -> bool:
    """Check ``signature`` in constant time; ``max_age=None`` skips the freshness check."""
    try:
        ts = int(timestamp)
    except (TypeError, ValueError):
        return False
    if max_age is not None:
        current = time.time() if now is None else now
        if abs(current - ts) > max_age:
            return False
    return hmac.compare_digest(sign(signing_secret, ts, body), signature)
