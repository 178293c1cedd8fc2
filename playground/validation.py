"""Slack's input limits: channel names, message text/blocks, and modal views."""

from __future__ import annotations

import re
from typing import Any

from playground.errors import SlackError, invalid_arguments

MAX_NAME = 80
MAX_TEXT = 40_000
MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_ATTACHMENTS = 100
MAX_TOPIC = 250
_NAME_CHARS = re.compile(r"[a-z0-9_-]+")
_PUNCTUATION = re.compile(r"[_-]+")


def validate_channel_name(name: str | None) -> str:
    """Slack's rules: required, <= 80 chars, only lowercase a-z, 0-9, ``-`` and ``_``."""
    if not name:
        raise SlackError("invalid_name_required")
    if len(name) > MAX_NAME:
        raise SlackError("invalid_name_maxlength")
    if not _NAME_CHARS.fullmatch(name):
        raise SlackError("invalid_name_specials")
    if _PUNCTUATION.fullmatch(name):
        raise SlackError("invalid_name_punctuation")
    return name


def _text_of(obj: Any) -> str | None:
    if isinstance(obj, dict) and isinstance(obj.get("text"), str):
        return str(obj["text"])
    return None


def _check_len(problems: list[str], value: str | None, limit: int, where: str) -> None:
    if value is not None and len(value) > limit:
        problems.append(f"must be less than {limit + 1} characters [json-pointer:{where}]")


def _check_element(problems: list[str], element: Any, where: str, seen: set[str]) -> None:
    if not isinstance(element, dict) or not isinstance(element.get("type"), str):
        problems.append(f"must provide an object with a type [json-pointer:{where}]")
        return
    action_id = element.get("action_id")
    if isinstance(action_id, str):
        _check_len(problems, action_id, 255, f"{where}/action_id")
        if action_id in seen:
            problems.append(f"action_id already exists in this block [json-pointer:{where}/action_id]")
        seen.add(action_id)
    if element["type"] == "button":
        _check_len(problems, _text_of(element.get("text")), 75, f"{where}/text/text")
        value = element.get("value")
        _check_len(problems, value if isinstance(value, str) else None, 2000, f"{where}/value")


def _check_elements(problems: list[str], elements: Any, limit: int, where: str) -> None:
    if not isinstance(elements, list) or not elements:
        problems.append(f"must provide a non-empty array [json-pointer:{where}]")
        return
    if len(elements) > limit:
        problems.append(f"no more than {limit} items allowed [json-pointer:{where}]")
    seen: set[str] = set()
    for i, element in enumerate(elements):
        if isinstance(element, dict) and element.get("type") in ("mrkdwn", "plain_text", "image"):
            continue
        _check_element(problems, element, f"{where}/{i}", seen)


def _check_block(problems: list[str], block: dict[str, Any], where: str) -> None:
    kind = block["type"]
    if kind == "section":
        fields = block.get("fields")
        if "text" not in block and not fields:
            problems.append(f"must provide either text or fields [json-pointer:{where}]")
        _check_len(problems, _text_of(block.get("text")), 3000, f"{where}/text/text")
        if isinstance(fields, list):
            if len(fields) > 10:
                problems.append(f"no more than 10 items allowed [json-pointer:{where}/fields]")
            for i, item in enumerate(fields):
                _check_len(problems, _text_of(item), 2000, f"{where}/fields/{i}/text")
        if "accessory" in block:
            _check_element(problems, block["accessory"], f"{where}/accessory", set())
    elif kind == "header":
        text = _text_of(block.get("text"))
        if text is None:
            problems.append(f"must provide a plain_text text object [json-pointer:{where}/text]")
        _check_len(problems, text, 150, f"{where}/text/text")
    elif kind == "actions":
        _check_elements(problems, block.get("elements"), 25, f"{where}/elements")
    elif kind == "context":
        _check_elements(problems, block.get("elements"), 10, f"{where}/elements")
    elif kind == "input":
        label = _text_of(block.get("label"))
        if label is None:
            problems.append(f"must provide a label [json-pointer:{where}/label]")
        _check_len(problems, label, 2000, f"{where}/label/text")
        _check_element(problems, block.get("element"), f"{where}/element", set())


def block_problems(blocks: Any, limit: int, pointer: str = "/blocks") -> list[str]:
    """Human-readable schema problems, in the shape of Slack's ``response_metadata.messages``."""
    if not isinstance(blocks, list):
        return [f"must provide an array [json-pointer:{pointer}]"]
    problems: list[str] = []
    if len(blocks) > limit:
        problems.append(f"no more than {limit} items allowed [json-pointer:{pointer}]")
    block_ids: set[str] = set()
    for i, block in enumerate(blocks):
        where = f"{pointer}/{i}"
        if not isinstance(block, dict) or not isinstance(block.get("type"), str):
            problems.append(f"must provide an object with a type [json-pointer:{where}]")
            continue
        block_id = block.get("block_id")
        if isinstance(block_id, str):
            _check_len(problems, block_id, 255, f"{where}/block_id")
            if block_id in block_ids:
                problems.append(f"block_id already exists [json-pointer:{where}/block_id]")
            block_ids.add(block_id)
        _check_block(problems, block, where)
    return problems


def validate_message_content(
    text: str | None, blocks: Any, attachments: Any, *, require: bool = True
) -> None:
    """What chat.postMessage / chat.update / chat.postEphemeral check before storing."""
    if blocks is not None:
        if isinstance(blocks, str) or not isinstance(blocks, list):
            raise SlackError("invalid_blocks_format")
        problems = block_problems(blocks, MAX_MESSAGE_BLOCKS)
        if problems:
            lines = [f"[ERROR] {p}" for p in problems]
            raise SlackError("invalid_blocks", errors=problems, response_metadata={"messages": lines})
    if attachments is not None:
        if not isinstance(attachments, list):
            raise SlackError("invalid_attachments")
        if len(attachments) > MAX_ATTACHMENTS:
            raise SlackError("too_many_attachments")
    if require and not text and not blocks and not attachments:
        raise SlackError("no_text")
    if text is not None and len(text) > MAX_TEXT:
        raise SlackError("msg_too_long")


def validate_view(view: Any, kind: str) -> dict[str, Any]:
    """Minimal views.* schema: type, title (modals), blocks <= 100, Slack's length limits."""
    if not isinstance(view, dict):
        raise invalid_arguments("failed to match all allowed schemas [json-pointer:/view]")
    if view.get("type") != kind:
        raise invalid_arguments(f"must be '{kind}' [json-pointer:/view/type]")
    problems: list[str] = []
    if kind == "modal":
        title = _text_of(view.get("title"))
        if title is None:
            problems.append("must provide a plain_text title [json-pointer:/view/title]")
        for part in ("title", "submit", "close"):
            _check_len(problems, _text_of(view.get(part)), 24, f"/view/{part}/text")
    problems.extend(block_problems(view.get("blocks"), MAX_VIEW_BLOCKS, "/view/blocks"))
    for name, limit in (("callback_id", 255), ("private_metadata", 3000), ("external_id", 255)):
        value = view.get(name)
        _check_len(problems, value if isinstance(value, str) else None, limit, f"/view/{name}")
    blocks = view.get("blocks")
    has_input = isinstance(blocks, list) and any(
        isinstance(b, dict) and b.get("type") == "input" for b in blocks
    )
    if kind == "modal" and has_input and "submit" not in view:
        problems.append(
            "submit is required when an input block is within the blocks array [json-pointer:/view]"
        )
    if problems:
        raise invalid_arguments(*problems)
    return view
