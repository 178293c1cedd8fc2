"""The ``tracker`` part of the policy: where follow-ups become tickets (Jira, GitHub or Linear).
Secrets and base URLs come from the environment (``JIRA_URL``, ``GITHUB_TOKEN``, …)."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import model_validator

from bot.config.types import Strict


class Tracker(Strict):
    kind: Literal["jira", "github", "linear"]
    project: str | None = None  # Jira: the project key (OPS)
    issue_type: str = "Task"  # Jira
    repo: str | None = None  # GitHub: org/repo
    team: str | None = None  # Linear: the team key (ENG)
    incident_ticket: bool = False  # one ticket per incident at declaration; its follow-ups link to it
    private_details: bool = False  # a private incident's tickets carry more than its ref

    @model_validator(mode="after")
    def _where(self) -> Tracker:
        needed = {"jira": "project", "github": "repo", "linear": "team"}[self.kind]
        value = getattr(self, needed)
        if not value:
            raise ValueError(f"a {self.kind} tracker needs {needed} (e.g. {EXAMPLES[self.kind]})")
        if self.kind == "github" and not re.fullmatch(r"[\w.-]+/[\w.-]+", value):
            raise ValueError(f"repo is owner/name, e.g. {EXAMPLES['github']}")
        return self


EXAMPLES = {"jira": "project: OPS", "github": "repo: acme/ops", "linear": "team: ENG"}
