"""Running the Slack steps that follow a commit: each one tried, failures collected, none fatal."""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_sdk.errors import SlackApiError

from bot.slack.gateway import error_name

log = logging.getLogger(__name__)


class Steps:
    def __init__(self, subject: str) -> None:
        self.subject = subject
        self.failures: list[tuple[str, str]] = []

    def run(self, name: str, action: Callable[[], object]) -> bool:
        """Do one step; on failure remember (step, Slack error) and go on. True when it worked."""
        try:
            action()
        except Exception as exc:
            expected = isinstance(exc, SlackApiError)  # Slack said no after the retries; else a bug
            log.warning("%s: Slack step %r failed: %s", self.subject, name, exc, exc_info=not expected)
            self.failures.append((name, error_name(exc)))
            return False
        return True
