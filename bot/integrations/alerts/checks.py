"""Who sent a webhook: PagerDuty's HMAC signature, or a bearer token; compared in constant time."""

from __future__ import annotations

import hashlib
import hmac


class Unverified(Exception):
    """Not signed by the sender we trust (401); the message says what was wrong, never the secret."""


class Malformed(Exception):
    """Not what the sender sends (400): the message is the one-line reason."""


def pagerduty_signature(secret: str, body: bytes, header: str | None) -> None:
    """``X-PagerDuty-Signature: v1=<hex>[,v1=<hex>…]`` (several during a secret's rotation): one
    valid signature of the raw body with the subscription's secret is enough."""
    if not header:
        raise Unverified("no X-PagerDuty-Signature header")
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    for part in header.split(","):
        version, _, signature = part.strip().partition("=")
        if version == "v1" and hmac.compare_digest(signature.strip().lower(), expected):
            return
    raise Unverified("the X-PagerDuty-Signature does not match the body")


def bearer(token: str, header: str | None) -> None:
    """``Authorization: Bearer <token>``."""
    scheme, _, given = (header or "").partition(" ")
    if scheme.lower() != "bearer" or not given:
        raise Unverified("no bearer token in Authorization")
    if not hmac.compare_digest(given.strip().encode(), token.encode()):
        raise Unverified("the bearer token is not the one set in ALERTS_TOKEN")
