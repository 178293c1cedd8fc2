"""The tracker adapter: a follow-up's ticket made once (looked for first when an earlier attempt's
outcome is unknown) and recorded as an external reference; closed when done in Slack."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from bot.config.policy import Policy
from bot.config.settings import Settings
from bot.db.engine import transaction
from bot.db.models import ActionItem, Incident
from bot.incidents import external, tickets
from bot.incidents.owed import TicketClose, TicketCreate
from bot.integrations import http
from bot.integrations.trackers.github import GitHub
from bot.integrations.trackers.jira import Jira
from bot.integrations.trackers.linear import Linear
from bot.integrations.trackers.spec import Made, TicketSpec, Tracker
from bot.outbox import store as outbox
from bot.outbox.adapters import Adapter, Kind
from bot.outbox.outcome import Done, Held, Outcome
from bot.outbox.retry import RetryPolicy
from bot.runtime.context import Context

NAMES = {"jira": "Jira", "github": "GitHub", "linear": "Linear"}
PARENT_WAIT = timedelta(seconds=0.5)


def tracker_client(settings: Settings, policy: Policy) -> Tracker | None:
    """The policy's tracker, with its secrets from the environment (None: no tracker)."""
    chosen = policy.tracker
    if chosen is None:
        return None
    if chosen.kind == "jira":
        return Jira(
            settings.jira_url, chosen.project or "", chosen.issue_type,
            email=settings.jira_email, token=settings.jira_api_token, pat=settings.jira_pat,
        )  # fmt: skip
    if chosen.kind == "github":
        return GitHub(settings.github_api_url, chosen.repo or "", settings.github_token)
    return Linear(settings.linear_api_url, chosen.team or "", settings.linear_api_key)


def channel_link(channel_id: str | None) -> str | None:
    return f"https://slack.com/app_redirect?channel={channel_id}" if channel_id else None


class Tickets:
    def __init__(self, ctx: Context, tracker: Tracker | None, email_of: Callable[[str], str | None]) -> None:
        self.ctx, self.tracker, self.email_of = ctx, tracker, email_of
        self.retry = RetryPolicy(longest=ctx.settings.integrations_retry_after)

    def adapter(self) -> Adapter:
        system = NAMES.get(self.tracker.system, "the tracker") if self.tracker else "the tracker"
        return Adapter(
            name="tracker",
            system=system,
            retry=self.retry,
            kinds=(
                Kind(TicketCreate, self.create, _describe_create, creates=True),
                Kind(TicketClose, self.close, lambda p: f"close the ticket of follow-up #{p.item_id}"),
            ),
        )

    def create(self, claimed: outbox.Claimed, payload: TicketCreate) -> Outcome:
        tracker = self.tracker
        if tracker is None:
            return Done({"skipped": "no tracker in the policy"})
        purpose = tickets.purpose(payload.item_id)
        with self.ctx.sessions() as session:
            incident = session.get(Incident, claimed.incident_id) if claimed.incident_id else None
            item = session.get(ActionItem, payload.item_id) if payload.item_id is not None else None
            if incident is None or (payload.item_id is not None and item is None):
                return Done({"skipped": "what it was for is gone"})
            made = external.find(session, incident.id, tracker.system, purpose)
            if made is not None and made.external_id:
                return Done({"ticket": made.external_id})
            parent = external.find(session, incident.id, tracker.system, tickets.INCIDENT_TICKET)
            if item is not None and parent is None and tickets.incident_ticket_coming(session, incident):
                return Held(PARENT_WAIT, "waiting for the incident's own ticket, which it links to")
            spec = self.spec(claimed.key, incident, item, parent.external_id if parent else None)
        try:
            found = tracker.find(spec) if claimed.in_doubt else None
            ticket = found or tracker.create(spec)
        except http.Refused as refused:
            return http.outcome(refused, claimed.attempts, self.retry)
        self._record(incident.id, tracker.system, purpose, ticket)
        return Done({"ticket": ticket.external_id, "url": ticket.url, "found": found is not None})

    def close(self, claimed: outbox.Claimed, payload: TicketClose) -> Outcome:
        tracker = self.tracker
        if tracker is None or claimed.incident_id is None:
            return Done({"skipped": "no tracker in the policy"})
        with self.ctx.sessions() as session:
            ref = external.find(
                session, claimed.incident_id, tracker.system, tickets.purpose(payload.item_id)
            )
        if ref is None or not ref.external_id:
            return Done({"skipped": "the follow-up has no ticket"})
        try:
            tracker.close(ref.external_id)
        except http.Refused as refused:
            return http.outcome(refused, claimed.attempts, self.retry)
        return Done({"closed": ref.external_id})

    def _record(self, incident_id: int, system: str, purpose: str, ticket: Made) -> None:
        with transaction(self.ctx.sessions) as writing:
            external.record(
                writing,
                incident_id,
                system,
                purpose,
                ticket.external_id,
                container=ticket.container,
                url=ticket.url,
            )

    def spec(
        self, marker: str, incident: Incident, item: ActionItem | None, parent: str | None
    ) -> TicketSpec:
        """What the ticket says. A private incident's tickets carry only its ref unless the policy's
        tracker allows ``private_details``."""
        chosen = self.ctx.policy.tracker
        private = incident.is_private and not (chosen and chosen.private_details)
        labels = ["incident", incident.ref, incident.severity]
        link = None if private else channel_link(incident.channel_id)
        if item is None:
            title = f"{incident.ref} a private incident" if private else f"{incident.ref} {incident.title}"
            declared = f"{incident.declared_at:%Y-%m-%d %H:%M} UTC"
            paragraphs = [f"Incident {incident.ref} ({incident.severity}), declared {declared}."]
            if not private:
                paragraphs += [f"Impact: {incident.impact}" if incident.impact else ""]
            return TicketSpec(marker, title, paragraphs, link, labels)
        title = f"Follow-up #{item.id} of {incident.ref}" if private else item.text
        paragraphs = (
            []
            if private
            else [item.text, f"Why: a follow-up of {incident.ref} ({incident.severity}): {incident.title}"]
        )
        paragraphs.append(f"Incident: {incident.ref}" + (f" (ticket {parent})" if parent else ""))
        if item.due:
            paragraphs.append(f"Due {item.due.isoformat()}.")
        email = self.email_of(item.owner) if item.owner else None
        return TicketSpec(
            marker, title, paragraphs, link, labels, item.due, email,
            owner_name=None if email or not item.owner else f"Slack user {item.owner}", parent=parent,
        )  # fmt: skip


def _describe_create(payload: TicketCreate) -> str:
    return (
        f"make the ticket of follow-up #{payload.item_id}"
        if payload.item_id
        else "make the incident's ticket"
    )
