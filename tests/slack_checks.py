"""Checks every rendered message and view must pass: slack_sdk's models plus the limits it skips."""

from __future__ import annotations

import re
from typing import Any

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from bot.rendering import Message

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100

HOSTILE = '<!channel> <!here> <@U0EVIL> <#C0EVIL> <https://evil.example|click> &lt; "q" \\ \n line2 & done'
# What must never appear in rendered mrkdwn that came from HOSTILE: live mentions and links.
_LIVE = re.compile(r"<(?:!channel|!here|@U0EVIL|#C0EVIL|https://evil\.example)")


def check_blocks(blocks: list[dict[str, Any]]) -> None:
    for block in blocks:
        parsed = Block.parse(block)
        assert parsed is not None, f"not a block: {block}"
        parsed.validate_json()
        assert parsed.to_dict() is not None


def check_message(message: Message | dict[str, Any]) -> None:
    data = message.as_kwargs() if isinstance(message, Message) else message
    assert isinstance(data.get("text"), str) and data["text"], "a message needs its plain-text fallback"
    blocks = data.get("blocks") or []
    assert len(blocks) <= MAX_MESSAGE_BLOCKS, f"{len(blocks)} blocks; Slack allows {MAX_MESSAGE_BLOCKS}"
    check_blocks(blocks)


def check_view(view: dict[str, Any]) -> None:
    assert len(view.get("blocks", [])) <= MAX_VIEW_BLOCKS
    View(**view).validate_json()
    assert View(**view).to_dict()
    check_blocks(view["blocks"])


def assert_no_live_tokens(text: str) -> None:
    match = _LIVE.search(text)
    assert match is None, (
        f"user text became a live mention or link: {text[max(0, match.start() - 40) :][:120]!r}"
    )
