"""Errors the domain raises for people to read: what was wrong and what is allowed."""

from __future__ import annotations


class InputError(Exception):
    """Bad input. ``fields`` maps a form field to its message; ``str(error)`` reads as one sentence."""

    def __init__(self, fields: dict[str, str]) -> None:
        super().__init__(" ".join(fields.values()))
        self.fields = fields


class NotFound(Exception):
    """The incident (or other thing) asked for does not exist."""
