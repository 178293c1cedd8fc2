"""Typed access to Web API arguments, which arrive as form strings or JSON values."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from playground.errors import SlackError, invalid_arguments

if TYPE_CHECKING:
    from playground.state import Workspace

# Fields Slack accepts as JSON-encoded strings in form bodies; decoded so tests see objects.
JSON_FIELDS = ("blocks", "view", "attachments", "metadata")


def decode_json_fields(args: dict[str, Any]) -> dict[str, Any]:
    """Return ``args`` with JSON-string values of :data:`JSON_FIELDS` decoded (bad JSON kept)."""
    out = dict(args)
    for name in JSON_FIELDS:
        value = out.get(name)
        if isinstance(value, str) and value.strip()[:1] in ("[", "{"):
            with contextlib.suppress(ValueError):
                out[name] = json.loads(value)
    return out


class Args:
    """Read-only view of one call's arguments with Slack-flavoured coercion."""

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self.raw = dict(raw)

    def has(self, name: str) -> bool:
        return self.raw.get(name) not in (None, "")

    def opt_str(self, name: str) -> str | None:
        value = self.raw.get(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise invalid_arguments(f"must be a string [json-pointer:/{name}]")
        return str(value)

    def req_str(self, name: str, error: str | None = None) -> str:
        value = self.opt_str(name)
        if value is None or value == "":
            if error is not None:
                raise SlackError(error)
            raise invalid_arguments(f"missing required field: {name}")
        return value

    def opt_bool(self, name: str, default: bool = False) -> bool:
        value = self.raw.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            return value
        return str(value).strip().lower() in ("1", "true", "yes")

    def opt_int(self, name: str, default: int) -> int:
        value = self.raw.get(name)
        if value is None or value == "":
            return default
        try:
            return int(value)
        except (TypeError, ValueError):
            raise invalid_arguments(f"must be an integer [json-pointer:/{name}]") from None

    def opt_json(self, name: str) -> Any:
        """A field that may be a JSON string (form body) or an already-decoded value."""
        value = self.raw.get(name)
        if isinstance(value, str):
            if value == "":
                return None
            try:
                return json.loads(value)
            except ValueError:
                raise invalid_arguments(f"invalid JSON [json-pointer:/{name}]") from None
        return value

    def csv(self, name: str) -> list[str]:
        value = self.raw.get(name)
        if value is None:
            return []
        items = value if isinstance(value, list) else str(value).split(",")
        return [str(v).strip() for v in items if str(v).strip()]


Handler = Callable[["Workspace", Args], dict[str, Any]]
"""A Web API method implementation: runs under the workspace lock, returns the ``ok`` body."""
