"""Reading values out of a submitted modal's ``state.values``."""

from __future__ import annotations

from typing import Any

from bot.config.policy import Policy


def _element(view: dict[str, Any], block_id: str, action_id: str = "value") -> dict[str, Any]:
    values = view.get("state", {}).get("values", {})
    element = values.get(block_id, {}).get(action_id, {})
    return element if isinstance(element, dict) else {}


def text(view: dict[str, Any], block_id: str) -> str:
    return str(_element(view, block_id).get("value") or "")


def selected(view: dict[str, Any], block_id: str) -> str:
    option = _element(view, block_id).get("selected_option") or {}
    return str(option.get("value") or "")


def checked(view: dict[str, Any], block_id: str) -> set[str]:
    return {str(o.get("value")) for o in _element(view, block_id).get("selected_options") or []}


def user(view: dict[str, Any], block_id: str) -> str:
    return str(_element(view, block_id).get("selected_user") or "")


def day(view: dict[str, Any], block_id: str) -> str:
    return str(_element(view, block_id).get("selected_date") or "")


def users(view: dict[str, Any], block_id: str) -> list[str]:
    return [str(u) for u in _element(view, block_id).get("selected_users") or []]


def field_values(policy: Policy, view: dict[str, Any]) -> dict[str, str | list[str] | None]:
    """The custom fields of a form (blocks ``field:<key>``), raw, by key."""
    values: dict[str, str | list[str] | None] = {}
    for field in policy.fields:
        block = f"field:{field.key}"
        if field.type == "multi_select":
            values[field.key] = sorted(checked_options(view, block))
        elif field.type == "select":
            values[field.key] = selected(view, block) or None
        elif field.type == "user":
            values[field.key] = user(view, block) or None
        else:
            values[field.key] = text(view, block) or None
    return values


def checked_options(view: dict[str, Any], block_id: str) -> set[str]:
    """Values chosen in a multi-select menu."""
    return {str(o.get("value")) for o in _element(view, block_id).get("selected_options") or []}
