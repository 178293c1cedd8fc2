"""Slack-style cursor pagination (opaque base64 cursors, ``response_metadata.next_cursor``)."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import Any, TypeVar

from playground.args import Args
from playground.errors import SlackError

T = TypeVar("T")
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000


def _encode(offset: int) -> str:
    return base64.b64encode(f"offset:{offset}".encode()).decode()


def _decode(cursor: str) -> int:
    try:
        text = base64.b64decode(cursor.encode(), validate=True).decode()
        prefix, _, number = text.partition(":")
        if prefix != "offset":
            raise ValueError(text)
        return max(0, int(number))
    except ValueError:
        raise SlackError("invalid_cursor") from None


def paginate(items: Sequence[T], args: Args) -> tuple[list[T], dict[str, Any]]:
    """One page of ``items`` per ``limit``/``cursor``, plus the ``response_metadata`` to return."""
    limit = args.opt_int("limit", DEFAULT_LIMIT)
    if limit <= 0:
        limit = DEFAULT_LIMIT
    limit = min(limit, MAX_LIMIT)
    cursor = args.opt_str("cursor")
    start = _decode(cursor) if cursor else 0
    end = start + limit
    next_cursor = _encode(end) if end < len(items) else ""
    return list(items[start:end]), {"next_cursor": next_cursor}
