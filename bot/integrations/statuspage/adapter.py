"""The status page adapter: each publication made on Atlassian Statuspage once. The page's incident
is made the first time (its id kept as an external reference) and updated after; an attempt whose
outcome is unknown is looked for first: a create by the incident's ref among the page's unresolved
incidents, an update by its text among the incident's updates."""

from __future__ import annotations

import re
from typing import Any

from bot.db.engine import transaction
from bot.db.models import Incident, TimelineEvent
from bot.incidents import external, status_page
from bot.incidents.owed import StatusPagePublish
from bot.integrations import http
from bot.integrations.statuspage.client import PageIncident, StatusPage
from bot.outbox import store as outbox
from bot.outbox.adapters import Adapter, Kind
from bot.outbox.outcome import Done, Failed, Outcome
from bot.outbox.retry import RetryPolicy
from bot.runtime.context import Context


def names(name: str, ref: str) -> bool:
    """Whether ``name`` carries ``ref`` (INC-1 is not in "… (INC-12)")."""
    return re.search(rf"(?<![\w-]){re.escape(ref)}(?![\w-])", name) is not None


def public_name(name: str, ref: str) -> str:
    """The page incident's name carries the ref: how a create whose outcome is unknown is found."""
    return name if names(name, ref) else f"{name} ({ref})"


def fields(publication: status_page.Publication, ref: str) -> dict[str, Any]:
    """What is sent: without components when the form could not list them (they stay as they are)."""
    sent: dict[str, Any] = {
        "name": public_name(publication.name, ref),
        "status": publication.status,
        "body": publication.body,
        "deliver_notifications": True,
    }
    if publication.components:
        affected = [c for c, impact in publication.components.items() if impact != "operational"]
        sent["components"] = publication.components
        # resolved: every component it listed, set back to operational
        sent["component_ids"] = list(publication.components) if publication.status == "resolved" else affected
    return sent


class StatusPages:
    def __init__(self, ctx: Context, page: StatusPage | None) -> None:
        self.ctx, self.page = ctx, page
        self.retry = RetryPolicy(longest=ctx.settings.integrations_retry_after)

    def adapter(self) -> Adapter:
        return Adapter(
            name="statuspage",
            system="the status page",
            retry=self.retry,
            kinds=(Kind(StatusPagePublish, self.publish, _describe, creates=True),),
        )

    def publish(self, claimed: outbox.Claimed, payload: StatusPagePublish) -> Outcome:
        if self.page is None:
            return Failed("the status page is not set up: set STATUSPAGE_API_KEY and STATUSPAGE_PAGE_ID")
        with self.ctx.sessions() as session:
            event = session.get(TimelineEvent, payload.event_id)
            incident = session.get(Incident, claimed.incident_id) if claimed.incident_id else None
            if event is None or incident is None:
                return Done({"skipped": "what it was for is gone"})
            made = external.find(session, incident.id, status_page.SYSTEM, status_page.PURPOSE)
            made_id = made.external_id if made else None
            ref = incident.ref
        sent = fields(status_page.Publication.of(event), ref)
        try:
            found = self._made_already(made_id, sent, ref) if claimed.in_doubt else None
            if found is not None and found.bodies[:1] == (sent["body"],) and found.status == sent["status"]:
                shown = found
            elif made_id or found:
                shown = self.page.update(made_id or (found.id if found else ""), sent)
            else:
                shown = self.page.create(sent)
        except http.Refused as refused:
            return http.outcome(refused, claimed.attempts, self.retry)
        if not shown.id:
            return Failed("the status page answered without the incident's id")
        with transaction(self.ctx.sessions) as writing:
            external.record(
                writing, incident.id, status_page.SYSTEM, status_page.PURPOSE, shown.id,
                container=self.page.page, url=shown.url or None,
            )  # fmt: skip
            status_page.made(writing, self.ctx.policy, payload.event_id, shown.url or None, self.ctx.clock())
        return Done({"incident": shown.id, "status": sent["status"]})

    def _made_already(self, made_id: str | None, sent: dict[str, Any], ref: str) -> PageIncident | None:
        """The page's incident when an earlier attempt may have reached it: by its id, or by the
        ref in its name among the unresolved ones (and, for one made resolved, a search)."""
        assert self.page is not None
        if made_id:
            return self.page.get(made_id)
        found = next((i for i in self.page.unresolved() if names(i.name, ref)), None)
        if found is None and sent["status"] == "resolved":  # made resolved: not among the unresolved
            found = next((i for i in self.page.search(ref) if names(i.name, ref)), None)
        return found


def _describe(payload: StatusPagePublish) -> str:
    return "publish on the status page"
