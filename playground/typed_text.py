"""What a Slack client does to text a person types before the app sees it.

Slack entity-encodes ``&``, ``<`` and ``>``, and turns ``@name`` into a user mention and
``#channel`` into a channel link (for slash commands with ``should_escape``, and in messages).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

_MENTION = re.compile(r"(?<![\w@])@([A-Za-z0-9._-]+)")
_CHANNEL = re.compile(r"(?<![\w#&])#([a-z0-9_-]+)")


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def encode(
    text: str,
    users: Mapping[str, Iterable[str]],
    channels: Mapping[str, str],
    *,
    with_names: bool = False,
) -> str:
    """``text`` as Slack delivers it: entities encoded, ``@bob`` → ``<@U0BOB>``, ``#name`` → ``<#C…|name>``.

    ``users`` maps a user id to the names they answer to (handle, display name, first name);
    ``channels`` maps channel names to ids. ``with_names`` adds ``|name`` to user mentions (what a
    slash command with ``should_escape`` receives). Unknown names stay as typed.
    """
    by_name: dict[str, tuple[str, str]] = {}
    for user_id, names in users.items():
        for name in names:
            if name:
                by_name.setdefault(name.lower(), (user_id, name))

    def mention(match: re.Match[str]) -> str:
        found = by_name.get(match.group(1).lower().rstrip("."))
        if found is None:
            return match.group(0)
        user_id, name = found
        trailing = "." if match.group(1).endswith(".") else ""
        return (f"<@{user_id}|{name}>" if with_names else f"<@{user_id}>") + trailing

    def channel(match: re.Match[str]) -> str:
        channel_id = channels.get(match.group(1))
        return f"<#{channel_id}|{match.group(1)}>" if channel_id else match.group(0)

    return _CHANNEL.sub(channel, _MENTION.sub(mention, escape(text)))
