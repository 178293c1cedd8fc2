"""Slack's ``:shortcode:`` emoji as the characters Slack shows (the ``emoji`` package's alias names
are the ones Slack uses: ``:white_check_mark:``, ``:rotating_light:``, ``:clap:``). Code spans and
blocks are left as typed, as Slack leaves them."""

from __future__ import annotations

import re
from typing import Any

import emoji

CODE = re.compile(r"(```.*?```|`[^`\n]*`)", re.S)


def emojize(text: str) -> str:
    parts = CODE.split(text)
    return "".join(p if i % 2 else emoji.emojize(p, language="alias") for i, p in enumerate(parts))


def in_message(value: Any) -> Any:
    """Every ``text`` of a message, its blocks and their elements, with the emoji shown."""
    if isinstance(value, dict):
        return {
            k: emojize(v) if k == "text" and isinstance(v, str) else in_message(v) for k, v in value.items()
        }
    if isinstance(value, list):
        return [in_message(v) for v in value]
    return value
