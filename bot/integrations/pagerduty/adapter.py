"""The PagerDuty REST adapter: PagerDuty incidents acknowledged and resolved with the bot's, and
escalation messages to whoever is on call (looked up when the tier fires)."""

from __future__ import annotations

from collections.abc import Callable

from bot.db.engine import transaction
from bot.db.models import Incident
from bot.incidents import effects
from bot.incidents.owed import OnCallTell, PagerDutyIncidentChange
from bot.integrations import http
from bot.integrations.pagerduty.client import PagerDuty
from bot.integrations.pagerduty.oncall import OnCallDirectory
from bot.outbox import store as outbox
from bot.outbox.adapters import Adapter, Kind
from bot.outbox.outcome import Done, Failed, Outcome
from bot.outbox.retry import RetryPolicy
from bot.runtime.context import Context


class PagerDutyRest:
    def __init__(
        self,
        ctx: Context,
        pagerduty: PagerDuty | None,
        directory: OnCallDirectory,
        email_of: Callable[[str], str | None],
    ) -> None:
        self.ctx, self.pagerduty, self.directory, self.email_of = ctx, pagerduty, directory, email_of
        self.retry = RetryPolicy(longest=ctx.settings.integrations_retry_after, report_after=1)

    def adapter(self) -> Adapter:
        return Adapter(
            name="pagerduty",
            system="PagerDuty",
            retry=self.retry,
            kinds=(
                Kind(
                    PagerDutyIncidentChange,
                    self.change,
                    lambda p: f"mark PagerDuty incident {p.pagerduty_id} {p.status}",
                ),
                Kind(OnCallTell, self.tell_oncall, lambda p: f"tell who is on call for {p.target}"),
            ),
        )

    def change(self, claimed: outbox.Claimed, payload: PagerDutyIncidentChange) -> Outcome:
        if self.pagerduty is None:
            return Done({"skipped": "PAGERDUTY_API_TOKEN is not set"})
        sender = (self.email_of(payload.actor) if payload.actor else None) or self.ctx.settings.pagerduty_from
        if not sender:
            return Failed("PagerDuty needs a From email: set PAGERDUTY_FROM (or let the app read emails)")
        try:
            self.pagerduty.set_status(payload.pagerduty_id, payload.status, sender)
        except http.Refused as refused:
            return http.outcome(refused, claimed.attempts, self.retry)
        return Done({"pagerduty": payload.pagerduty_id, "status": payload.status})

    def tell_oncall(self, claimed: outbox.Claimed, payload: OnCallTell) -> Outcome:
        """Ask who is on call now and owe each of them the tier's message; a note in the incident
        channel, once, when PagerDuty named someone Slack does not know or nobody was found."""
        ctx = self.ctx
        target = ctx.policy.escalation.targets.get(payload.target)
        if target is None or claimed.incident_id is None:
            return Done({"skipped": "the target is gone"})
        answer = self.directory.who(target)
        data = dict(payload.data)
        if answer.stale and answer.as_of is not None:
            data["oncall_as_of"] = answer.as_of.isoformat()
        now = ctx.clock()
        with transaction(ctx.sessions) as session:
            incident = session.get(Incident, claimed.incident_id)
            if incident is None:
                return Done({"skipped": "the incident is gone"})
            for user in answer.slack_users:
                if user not in target.users:  # the fixed people were told with the tier
                    effects.tell(
                        session, ctx.policy, incident, user, payload.message, payload.cause, now, **data
                    )
            missing = [f"{email} (no Slack account)" for email in answer.unknown]
            if not answer.slack_users and not missing:
                missing = [f"nobody ({answer.error or 'PagerDuty named no one'})"]
            if missing:
                gave = ", ".join(missing)
                told = "its fixed people and channels were told"
                line = f"On call for {payload.target}, PagerDuty gave: {gave}; {told}."
                cause = f"{payload.cause}/oncall:{payload.target}"
                effects.post(
                    session, ctx.policy, incident, effects.INCIDENT, "notice", cause, now, lines=[line]
                )
        return Done({"told": answer.slack_users, "unknown": answer.unknown, "stale": answer.stale})
