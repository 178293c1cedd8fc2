"""What the Slack side (listeners, the Slack adapter) gets: the app's context and Slack's clients."""

from __future__ import annotations

from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

from bot.integrations.pagerduty.oncall import OnCallDirectory
from bot.integrations.statuspage.components import Components
from bot.runtime.context import Context
from bot.slack.gateway import SlackGateway
from bot.slack.people import People


@dataclass(kw_only=True)
class SlackContext(Context):
    # The request path (forms, replies, questions about people): a quick retry at most.
    slack: SlackGateway
    # The delivery workers: no retries inside a call; the outbox decides when to try again.
    outbound: SlackGateway
    people: People
    # who is on call for a PagerDuty-backed escalation target (``/incident oncall``)
    oncall: OnCallDirectory
    # the status page's components, for the publish form (None: no status page is set up)
    status_page: Components | None = None
    # the threads that do what an acknowledgement left for after it (open a form, answer privately);
    # None (a context built for a test): done right after the listener, in its thread
    after_ack: Executor | None = None

    def __deepcopy__(self, memo: dict[int, Any]) -> SlackContext:
        return self
