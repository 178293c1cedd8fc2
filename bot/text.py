"""User text on the way in (decode Slack's encoding, clean it) and limits on it."""

from __future__ import annotations

import re
import unicodedata

_TOKEN = re.compile(r"<([^<>]*)>")
# A user mention as Slack delivers it in command text: <@U123> or <@U123|name>.
MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
# Bidirectional overrides and isolates can make a title read differently from what it is.
_BIDI_CONTROLS = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}


def _is_space_or_control(char: str) -> bool:
    category = unicodedata.category(char)
    return category == "Cc" or category[0] == "Z" or char in _BIDI_CONTROLS


def _readable_token(match: re.Match[str]) -> str:
    inner = match.group(1)
    target, _, label = inner.partition("|")
    if target.startswith(("@U", "@W")):
        return "@" + (label or target[1:])
    if target.startswith("#C") or target.startswith("#G"):
        return "#" + (label or target[1:])
    if target.startswith("!subteam^"):
        return label or "@group"
    if target.startswith("!"):
        return "@" + (label or target[1:].split("^")[0]).lstrip("@")
    return f"{label} ({target})" if label and label != target else target


def decode_slack_text(text: str) -> str:
    """Plain text from what Slack delivers for typed text (slash commands, message events).

    Slack turns mentions and links into ``<...>`` tokens and encodes a typed ``&``, ``<`` and ``>``
    as entities. Tokens become readable text (``<@U1|dana>`` gives ``@dana``), then the entities
    are decoded once, so what is stored is exactly what the person typed.
    """
    text = _TOKEN.sub(_readable_token, text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def escape_mrkdwn(text: str, limit: int | None = None) -> str:
    """Encode the three characters Slack's mrkdwn treats as control characters (and drop control
    and bidirectional-override characters: whatever the text's path, they never reach Slack).

    With ``limit``, the escaped text is at most that long: cut with an ellipsis, never inside an entity.
    """
    text = strip_controls(text)
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if limit is None or len(escaped) <= limit:
        return escaped
    parts: list[str] = []
    used = 0
    for char in text:
        piece = _ENTITIES.get(char, char)
        if used + len(piece) > limit - 1:
            break
        parts.append(piece)
        used += len(piece)
    return "".join(parts).rstrip() + "…"


def clean_line(text: str) -> str:
    """One line of text: control characters dropped, runs of white space folded, trimmed."""
    text = "".join(" " if _is_space_or_control(c) else c for c in text)
    return re.sub(r" {2,}", " ", text).strip()


def strip_controls(text: str) -> str:
    """Control characters (but newlines and tabs) and bidirectional overrides removed."""
    return "".join(
        c for c in text if c in "\n\t" or (unicodedata.category(c) != "Cc" and c not in _BIDI_CONTROLS)
    )


def clean_block(text: str) -> str:
    """Multi-line text: control characters other than newlines and tabs dropped, trimmed."""
    return strip_controls(text.replace("\r\n", "\n").replace("\r", "\n")).strip()


def shorten(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, with an ellipsis when it was cut (control and
    bidirectional-override characters dropped)."""
    text = strip_controls(text)
    if len(text) <= limit:
        return text
    return text[: max(0, limit - 1)].rstrip() + "…"
