"""Errors the domain raises for people to read: what was wrong and what is allowed."""

from __future__ import annotations


class InputError(Exception):
    """Bad input. ``fields`` maps a form field to its message; ``str(error)`` reads as one sentence."""

    def __init__(self, fields: dict[str, str]) -> None:
        super().__init__(" ".join(fields.values()))
        self.fields = fields


class NotFound(Exception):
    """The incident (or other thing) asked for does not exist."""


class Refusal(Exception):
    """A change the actor may not make, or one that lost a race, said as data for the gateway to
    word: ``reason`` is one of

    - ``held``: ``holder`` already has ``subject`` (a role);
    - ``not_allowed``: only ``who_may`` (and the admins) may ``action`` ``subject``;
    - ``lost_race``: ``holder`` took ``subject`` just before;
    - ``concurrent``: someone changed ``subject`` at the same moment;
    - ``not_invited``: only the people ``subject`` (a private incident) asked for may join it;
    - ``never_public``: ``subject`` is never published (``action`` says why: private, a drill);
    - ``not_writer``: only ``who_may`` (the commander, the Comms Lead) and the admins may publish.
    """

    def __init__(
        self,
        reason: str,
        subject: str,
        *,
        holder: str | None = None,
        who_may: tuple[str, ...] = (),
        action: str = "",
    ) -> None:
        self.reason, self.subject, self.holder = reason, subject, holder
        self.who_may, self.action = who_may, action
        super().__init__(f"{reason}: {action} {subject}".strip() + (f" (held by {holder})" if holder else ""))
