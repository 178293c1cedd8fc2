"""Rendering messages, views and documents from the Jinja2 templates.

Templates live in the ``templates`` package; a folder named by the policy's ``templates_dir``
overrides any of them by relative path. Filters every template uses:

- ``j``: JSON-encode a value (every interpolation in a ``.json.j2`` template goes through it);
- ``mrkdwn`` / ``mrkdwn(n)``: escape ``&``, ``<`` and ``>`` in user text so it can neither ping
  nor link; with ``n``, the escaped text is cut to fit ``n`` characters (never inside an entity);
- ``cut(n)``: shorten plain text to ``n`` characters with an ellipsis;
- ``date``: a ``<!date^…>`` token that shows each reader their own time, with a UTC fallback;
- ``utc``: the same time as plain ``YYYY-MM-DD HH:MM UTC`` text.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jinja2

import templates as _templates_package
from bot.text import escape_mrkdwn, shorten

BUILTIN_TEMPLATES = Path(_templates_package.__file__).parent


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _utc(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _date_token(value: datetime, style: str = "{date_short_pretty} {time}") -> str:
    return f"<!date^{int(value.timestamp())}^{style}|{_utc(value)}>"


def _user(user_id: str | None, empty: str = "unassigned") -> str:
    return f"<@{user_id}>" if user_id else f"_{empty}_"


def _channel(channel_id: str | None, fallback: str = "(channel pending)") -> str:
    return f"<#{channel_id}>" if channel_id else fallback


@dataclass(frozen=True)
class Message:
    """A chat message: the plain-text fallback and its Block Kit blocks."""

    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)

    def as_kwargs(self) -> dict[str, Any]:
        return {"text": self.text, "blocks": self.blocks}


class TemplateProblem(Exception):
    """A template (usually a user override) that does not render to valid JSON."""


class Renderer:
    def __init__(self, override_dir: Path | None = None) -> None:
        loaders: list[jinja2.BaseLoader] = []
        if override_dir is not None:
            loaders.append(jinja2.FileSystemLoader(str(override_dir)))
        loaders.append(jinja2.FileSystemLoader(str(BUILTIN_TEMPLATES)))
        self.env = jinja2.Environment(
            loader=jinja2.ChoiceLoader(loaders),
            undefined=jinja2.StrictUndefined,
            autoescape=False,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        self.env.filters.update(
            j=_json,
            mrkdwn=escape_mrkdwn,
            cut=shorten,
            date=_date_token,
            utc=_utc,
            user=_user,
            channel=_channel,
        )

    def text(self, name: str, **context: Any) -> str:
        return self.env.get_template(name).render(**context)

    def data(self, name: str, **context: Any) -> Any:
        raw = self.text(name, **context)
        try:
            return json.loads(raw)
        except json.JSONDecodeError as exc:
            raise TemplateProblem(f"{name} did not render valid JSON: {exc}") from None

    def message(self, name: str, **context: Any) -> Message:
        data = self.data(f"messages/{name}.json.j2", **context)
        if not isinstance(data, dict) or not isinstance(data.get("text"), str):
            raise TemplateProblem(f"messages/{name}.json.j2 must render an object with a 'text' string")
        return Message(text=data["text"], blocks=list(data.get("blocks", [])))

    def view(self, name: str, **context: Any) -> dict[str, Any]:
        data = self.data(f"views/{name}.json.j2", **context)
        if not isinstance(data, dict):
            raise TemplateProblem(f"views/{name}.json.j2 must render a view object")
        return data
