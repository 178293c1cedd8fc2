"""User text on the way in (decode Slack's encoding, clean it) and limits on it."""

from __future__ import annotations

import re
import unicodedata

_TOKEN = re.compile(r"<([^<>]*)>")
# A user mention as Slack delivers it in command text: <@U123> or <@U123|name>.
MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
# Bidirectional overrides and isolates can make a title read differently from what it is; invisible
# marks (zero-width spaces and joiners, direction marks, line and paragraph separators, word joiner
# and invisible operators, the byte-order mark) can hide text or split a word a reader would match.
_BIDI_CONTROLS = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}
_INVISIBLE = {
    chr(c) for c in (0x200B, 0x200C, 0x200E, 0x200F, 0x2028, 0x2029, *range(0x2060, 0x2065), 0xFEFF)
}
_HIDING = _BIDI_CONTROLS | _INVISIBLE
_ZWJ = "\u200d"


def _is_space_or_control(char: str) -> bool:
    category = unicodedata.category(char)
    return category == "Cc" or category[0] == "Z" or char in _BIDI_CONTROLS


def _joins_emoji(text: str, at: int) -> bool:
    """A zero-width joiner inside an emoji sequence (👨‍👩‍👧, ❤️‍🔥) is part of the emoji: it stays."""
    before = text[at - 1] if at > 0 else ""
    after = text[at + 1] if at + 1 < len(text) else ""
    emoji_like = ("So", "Sk")
    return (
        bool(before)
        and bool(after)
        and (unicodedata.category(before) in emoji_like or before == "\ufe0f")
        and unicodedata.category(after) == "So"
    )


def _visible(text: str) -> str:
    """``text`` without invisible marks (a zero-width joiner only inside an emoji sequence)."""
    if not any(c in _HIDING or c == _ZWJ for c in text):
        return text
    return "".join(c for i, c in enumerate(text) if c not in _HIDING and (c != _ZWJ or _joins_emoji(text, i)))


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
    """One line of text: control and invisible characters dropped, runs of white space folded,
    trimmed."""
    text = "".join(" " if _is_space_or_control(c) else c for c in _visible(text))
    return re.sub(r" {2,}", " ", text).strip()


def strip_controls(text: str) -> str:
    """Control characters (but newlines and tabs), bidirectional overrides and invisible marks removed."""
    return "".join(c for c in _visible(text) if c in "\n\t" or unicodedata.category(c) != "Cc")


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
