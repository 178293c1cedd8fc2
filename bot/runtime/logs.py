"""How log lines are written: readable text by default, or one JSON object a line
(``LOG_FORMAT=json``) with the incident and the effect a line is about; and never a secret.

The delivery workers say which effect they work on (:func:`working_on`), so every line logged meanwhile,
by the bot or a library, carries its key and incident ref.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Slack's tokens, whatever their owner: bot, user, app-level, refresh, configuration.
# and request signatures (Slack's v0=, PagerDuty's v1=): a signing header is never shown either.
TOKENS = re.compile(r"\bx(?:ox[abposre]|app)-[A-Za-z0-9-]{8,}|\bv[01]=[0-9a-f]{32,}")
HIDDEN = "[hidden]"

_effect: ContextVar[tuple[str, str | None] | None] = ContextVar("effect", default=None)


@contextmanager
def working_on(key: str) -> Iterator[None]:
    """Lines logged inside name this effect (its key starts with its incident's ref)."""
    ref = key.partition("/")[0] if "/" in key else None
    token = _effect.set((key, ref))
    try:
        yield
    finally:
        _effect.reset(token)


class Redact(logging.Filter):
    """Slack tokens and the configured secrets are hidden from every line, its arguments formatted in."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = sorted({s for s in secrets if s and len(s) >= 6}, key=len, reverse=True)

    def hide(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, HIDDEN)
        return TOKENS.sub(HIDDEN, text)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        hidden = self.hide(message)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.hide(record.exc_text)
        if hidden != message or record.args:
            record.msg, record.args = hidden, None
        return True


class JsonLines(logging.Formatter):
    """One JSON object a line: time (UTC), level, logger, message, and the incident and effect."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        working = _effect.get()
        incident = getattr(record, "incident", None) or (working[1] if working else None)
        effect = getattr(record, "effect", None) or (working[0] if working else None)
        if incident:
            line["incident"] = incident
        if effect:
            line["effect"] = effect
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line["exception"] = record.exc_text
        return json.dumps(line, ensure_ascii=False)


def formatter(kind: str) -> logging.Formatter:
    return JsonLines() if kind == "json" else logging.Formatter(TEXT_FORMAT)
