"""The pager adapter: PagerDuty events and webhook posts, each its own effect in its own lane."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.config.escalation import Target
from bot.db.engine import transaction
from bot.db.models import OPEN, Incident
from bot.incidents import effects, escalation
from bot.incidents.owed import Page, PagerDutyEvent, WebhookPage
from bot.integrations import http
from bot.integrations.pager.events import pagerduty_event, webhook_body
from bot.outbox import store as outbox
from bot.outbox.adapters import Adapter, Kind
from bot.outbox.outcome import Done, Outcome
from bot.outbox.retry import RetryPolicy
from bot.runtime.context import Context

# A page that did not land is said at once: somebody is waiting to be woken.
REPORT_AFTER = 1


class Pagers:
    def __init__(self, ctx: Context, timeout: float = 10) -> None:
        self.ctx, self.timeout = ctx, timeout
        self.retry = RetryPolicy(longest=ctx.settings.integrations_retry_after, report_after=REPORT_AFTER)

    def adapter(self) -> Adapter:
        def says(p: Page | PagerDutyEvent | WebhookPage, via: str) -> str:
            return f"page {p.target} ({p.action}){via}"

        return Adapter(
            name="pager",
            system="the pager",
            retry=self.retry,
            kinds=(
                Kind(PagerDutyEvent, self.pagerduty, lambda p: says(p, " through PagerDuty")),
                Kind(WebhookPage, self.webhook, lambda p: says(p, " through its webhook")),
                Kind(Page, self.expand, lambda p: says(p, "")),
            ),
        )

    def pagerduty(self, claimed: outbox.Claimed, payload: PagerDutyEvent) -> Outcome:
        def send(target: Target, incident: Incident) -> None:
            event = pagerduty_event(self.ctx.policy, target, incident, payload.action, payload.reason)
            http.request("POST", self.ctx.policy.escalation.pagerduty_events_url, event, timeout=self.timeout)

        return self._page(claimed, payload, "pagerduty", lambda t: bool(t.pagerduty_routing_key), send)

    def webhook(self, claimed: outbox.Claimed, payload: WebhookPage) -> Outcome:
        def send(target: Target, incident: Incident) -> None:
            body = webhook_body(incident, payload.action, payload.reason, claimed.key)
            http.request("POST", str(target.webhook_url), body, timeout=self.timeout)

        return self._page(claimed, payload, "webhook", lambda t: bool(t.webhook_url), send)

    def _page(
        self,
        claimed: outbox.Claimed,
        payload: PagerDutyEvent | WebhookPage,
        via: str,
        has: Callable[[Target], bool],
        send: Callable[[Target, Incident], None],
    ) -> Outcome:
        ctx = self.ctx
        with ctx.sessions() as session:
            incident = session.get(Incident, claimed.incident_id) if claimed.incident_id else None
        if incident is None:
            return Done({"skipped": "the incident is gone"})
        target = ctx.policy.escalation.targets.get(payload.target)
        if target is None or not has(target):
            return Done({"skipped": f"the target no longer pages through its {via}"})
        if payload.action == "trigger" and incident.status not in OPEN:
            return Done({"skipped": "resolved before the page went out"})
        try:
            send(target, incident)
        except http.Refused as refused:
            return http.outcome(refused, claimed.attempts, self.retry)
        page = claimed.key.rpartition(":")[0]  # the page, whichever pager it went to
        with transaction(ctx.sessions) as writing:
            stored = writing.get_one(Incident, incident.id, with_for_update=True)
            escalation.paged(
                writing, ctx.policy, stored, payload.target, payload.action, ctx.clock(), page=page, via=via
            )
        return Done({"target": payload.target, "action": payload.action, "via": via})

    def expand(self, claimed: outbox.Claimed, payload: Page) -> Outcome:
        """A page owed by an earlier release (one effect for every pager): owe one per pager now."""
        ctx = self.ctx
        parts = claimed.key.split("/")
        cause = parts[1] if len(parts) > 2 else "page"
        with transaction(ctx.sessions) as writing:
            incident = writing.get(Incident, claimed.incident_id) if claimed.incident_id else None
            if incident is None:
                return Done({"skipped": "the incident is gone"})
            effects.page(
                writing,
                ctx.policy,
                incident,
                payload.target,
                payload.action,
                payload.reason,
                cause,
                ctx.clock(),
            )
        result: dict[str, Any] = {"expanded": True}
        return Done(result)
