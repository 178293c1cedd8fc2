"""What every tracker is asked for, whatever its API."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Literal, Protocol

State = Literal["open", "done"]


@dataclass(frozen=True)
class TicketSpec:
    """One ticket to make. ``marker`` names the effect that makes it: the tracker keeps it where it
    can be searched for (a Jira label, a line in a GitHub body, a Linear attachment), so a create
    whose outcome is unknown is looked for before it is made again."""

    marker: str
    title: str
    paragraphs: list[str]  # plain text, each its own paragraph (never markup from people)
    link: str | None = None  # the incident's channel
    labels: list[str] = field(default_factory=list)
    due: date | None = None
    assignee_email: str | None = None
    owner_name: str | None = None  # named in the text when the tracker does not know the person
    parent: str | None = None  # the incident's own ticket, to link to


@dataclass(frozen=True)
class Made:
    external_id: str  # the key (OPS-12), number (42) or id the tracker gave it
    url: str
    container: str  # the project, repository or team


class Tracker(Protocol):
    system: str

    def find(self, spec: TicketSpec) -> Made | None: ...

    def create(self, spec: TicketSpec) -> Made: ...

    def close(self, external_id: str) -> None: ...

    def states(self, external_ids: list[str]) -> dict[str, State]:
        """The state of each ticket it can still see (a ticket missing from the answer is gone)."""
        ...


def label(text: str) -> str:
    """A label every tracker takes: lowercase letters, digits and dashes."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "incident"
