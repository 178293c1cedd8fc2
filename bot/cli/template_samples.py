"""What each template is given, for ``incident-bot config check``: one or more samples per template.

The variables are those the bot passes (docs/templates.md lists them), read from the sample
incidents of ``bot.cli.sample_incidents``; where the bot renders a template through a function of
its own (the stats message, the Home tab, the postmortem, the report), the sample calls it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from bot.cli.sample_incidents import (
    COMMANDER,
    LEAD,
    MANY,
    MORE_OPEN,
    NOW,
    OPEN_ID,
    OWNER,
    PRIVATE_ID,
    RESOLVED_ID,
    TIMELINE_SHOWN,
    TYPED,
    sample_session,
    typed,
)
from bot.config.policy import Policy
from bot.db.models import ActionItem, Alert, Incident, Status, StatusUpdate
from bot.durations import humanize_duration, parse_duration
from bot.incidents import declare, followups, resolution, status_page, story, timeline, updates
from bot.incidents.escalation import Notice
from bot.insights import postmortem
from bot.insights.documents import Charts, markdown_report, rca_record, rca_report
from bot.insights.drill_score import DrillScore, ScoreRow
from bot.insights.history import Period, period_metrics
from bot.insights.summary import summarize
from bot.rendering import Renderer
from bot.slack import lines
from bot.slack.effect_messages import ShownRoleChange
from bot.slack.insights_views import home_view, stats_message
from bot.slack.presenters import IncidentFacts, facts

DRILL_SCORE = DrillScore(
    TYPED,
    [
        ScoreRow("Time to a commander", "4 minutes", "15 minutes", True),
        ScoreRow("Time to a Tech Lead", "never", "staffed", False),
        ScoreRow("Updates on time", "2 of 3 (1 late)", "all", False),
        ScoreRow("Time to resolution", "1 hour 2 minutes"),
    ],
)


@dataclass(frozen=True)
class Sample:
    """One way the bot renders ``template``: with ``context``, or by the bot's own function ``build``."""

    template: str  # the relative path, e.g. messages/announcement.json.j2
    variant: str  # what the data is like, for the report (e.g. "a resolved incident")
    context: dict[str, Any] = field(default_factory=dict)
    build: Callable[[Renderer], object] | None = None

    def render(self, r: Renderer) -> object:
        """A Message (messages/*.json.j2), a view dict (views/*.json.j2) or text (the others)."""
        if self.build is not None:
            return self.build(r)
        folder, _, name = self.template.partition("/")
        if folder == "messages" and name.endswith(".json.j2"):
            return r.message(name.removesuffix(".json.j2"), **self.context)
        if folder == "views":
            return r.view(name.removesuffix(".json.j2"), **self.context)
        return r.text(self.template, **self.context)


OPEN_STATUSES = [s.value for s in (Status.INVESTIGATING, Status.IDENTIFIED, Status.MONITORING)]
CHOICES = [(c, humanize_duration(parse_duration(c))) for c in updates.NEXT_UPDATE_CHOICES]
HELP = [("declare [severity] [title]", "declare an incident"), ("note <text>", "add a note to the timeline")]


class Samples:
    """The samples of every template the bot renders, read from the sample database."""

    def __init__(self, policy: Policy, session: Session) -> None:
        self.policy, self.session = policy, session
        self.open = session.get_one(Incident, OPEN_ID)
        self.resolved = session.get_one(Incident, RESOLVED_ID)
        self.private = session.get_one(Incident, PRIVATE_ID)
        self.i = facts(policy, self.open, NOW)
        self.r = facts(policy, self.resolved, NOW)
        self.p = facts(policy, self.private, NOW)
        self.events = timeline.events(session, self.open.id)
        self.metadata = json.dumps({"incident_id": OPEN_ID, "reply_url": "https://hooks.slack.com/x"})
        self.within = humanize_duration(policy.postmortem_due_within)

    def all(self) -> list[Sample]:
        return [*self.incident_messages(), *self.other_messages(), *self.views(), *self.documents()]

    def each(self, template: str, **context: Any) -> list[Sample]:
        """``template`` rendered for an open incident, a resolved one, and one with nothing filled in."""
        return [
            Sample(template, "an open incident", {"i": self.i, **context}),
            Sample(template, "a resolved incident", {"i": self.r, **context}),
            Sample(template, "an incident with nothing filled in", {"i": self.p, **context}),
        ]

    def change(self, outcome: str) -> ShownRoleChange:
        role = self.policy.roles[-1]
        previous = None if outcome == "assigned" else LEAD
        user = None if outcome == "released" else OWNER
        return ShownRoleChange(role, outcome, user, previous, COMMANDER, "A sample warning")

    def incident_messages(self) -> list[Sample]:
        m = "messages/"
        entries = story.tell(self.events, self.policy, lines.mention)
        notice = Notice("P1:0", [], "Nobody has taken command after 15 minutes", True)
        return [
            *self.each(m + "announcement.json.j2"),
            *self.each(m + "status_card.json.j2", statuses=OPEN_STATUSES),
            *self.each(m + "declared_reply.json.j2", failures=[("creating the channel", TYPED)]),
            *self.each(m + "roles_panel.json.j2"),
            *self.each(m + "topic.txt.j2"),
            *self.each(m + "private_notice.json.j2", ended=False),
            *self.each(m + "update_reminder.json.j2", promised=NOW, silent="15 minutes", nth=1),
            Sample(
                m + "update_reminder.json.j2",
                "a repeat",
                {"i": self.i, "promised": NOW, "silent": "45 minutes", "nth": 3},
            ),
            *self.each(m + "update_reminder_closed.json.j2"),
            *self.each(m + "escalation.json.j2", notice=notice, mentions="<!subteam^S0ONCALL>"),
            *self.each(m + "private_escalation.json.j2", notice=notice, mentions=""),
            *self.each(m + "private_follow_up_reminder.json.j2", a=self.items()[0], overdue=True),
            *self.each(m + "drill_inject.json.j2", text=TYPED),
            *self.each(m + "drill_score.json.j2", score=DRILL_SCORE),
            *self.each(m + "timeline.json.j2", entries=entries[-TIMELINE_SHOWN:], total=len(entries) + 99),
            *self.each(m + "role_dm.json.j2", change=self.change("assigned")),
            *self.each(m + "role_lost_dm.json.j2", change=self.change("handed_over")),
            *self.each(m + "update.json.j2", u=self.update(), changed_from="Investigating"),
            *self.each(m + "follow_up_reminder.json.j2", a=self.items()[0], overdue=True),
            *self.each(m + "action_items.json.j2", items=self.items()),
            Sample(m + "declared_reply.json.j2", "no failures", {"i": self.i, "failures": []}),
            Sample(m + "private_notice.json.j2", "ended", {"i": self.r, "ended": True}),
            Sample(m + "role_lost_dm.json.j2", "released", {"i": self.i, "change": self.change("released")}),
            Sample(
                m + "update.json.j2",
                "no status change",
                {"i": self.i, "u": self.update(), "changed_from": None},
            ),
            Sample(
                m + "follow_up_reminder.json.j2",
                "due today",
                {"i": self.i, "a": self.items()[1], "overdue": False},
            ),
            Sample(m + "action_items.json.j2", "no action items", {"i": self.p, "items": []}),
            Sample(
                m + "resolution.json.j2",
                "a resolved incident",
                {"i": self.r, "postmortem_within": self.within},
            ),
            Sample(m + "postmortem_reminder.json.j2", "a resolved incident", {"i": self.r, "due": NOW}),
            Sample(
                m + "statuspage_draft.json.j2", "investigating", build=lambda r: self.statuspage(r, self.i)
            ),
            Sample(m + "statuspage_draft.json.j2", "resolved", build=lambda r: self.statuspage(r, self.r)),
        ]

    def other_messages(self) -> list[Sample]:
        m, policy, session = "messages/", self.policy, self.session
        severity_change = next(e for e in self.events if e.kind == "severity_changed")
        line, reason = lines.describe(policy, self.open, severity_change)
        month = NOW - timedelta(days=30)
        many = [self.i, self.p] * (MANY // 2)
        return [
            Sample(m + "incident_list.json.j2", f"{MANY} open incidents", {"incidents": many}),
            Sample(m + "incident_list.json.j2", "no open incidents", {"incidents": []}),
            Sample(m + "notice.json.j2", "what people typed", {"lines": [TYPED, typed(3000)]}),
            Sample(
                m + "notice.json.j2",
                "the bot's own mrkdwn",
                {"lines": ["<@U0COMMANDER> leads."], "trusted": True},
            ),
            Sample(m + "help.json.j2", "help", {"commands": HELP, "intro": None}),
            Sample(
                m + "help.json.j2",
                "a mistyped command",
                {"commands": HELP, "intro": f"No `{TYPED}` command."},
            ),
            Sample(m + "incident_changed.json.j2", "a severity change", {"line": line, "reason": reason}),
            *self.alerts(),
            *self.each(m + "alerts_resolved.json.j2"),
            Sample(m + "oncall.json.j2", "who is on call", {"targets": ONCALL}),
            Sample(
                m + "oncall.json.j2",
                "PagerDuty away",
                {"targets": [{**ONCALL[0], "stale": True, "people": ""}]},
            ),
            *(
                Sample(m + "role_changed.json.j2", o, {"change": self.change(o)})
                for o in ("assigned", "handed_over", "released")
            ),
            Sample(
                m + "stats.json.j2",
                "the last 30 days",
                build=lambda r: stats_message(r, policy, session, NOW, since=month),
            ),
            Sample(
                m + "stats.json.j2",
                "no incidents",
                build=lambda r: stats_message(r, policy, session, month, since=month),
            ),
        ]

    def alerts(self) -> list[Sample]:
        """An alert as it can be shown: firing with links to incidents, linked (to a public or a
        private incident), dismissed, resolved; its text is what a sender wrote."""
        m = "messages/alert.json.j2"
        alert = Alert(
            id=7, source="pagerduty", key="PABC123", title=TYPED, status="firing", severity="critical",
            urgency="high", service=TYPED, url="https://example.pagerduty.com/incidents/PABC123",
            labels={"env": TYPED, "team": "payments"}, details=typed(3000), first_seen=NOW, last_seen=NOW,
            fired=3, dismissed_by=None,
        )  # fmt: skip
        base = {"a": alert, "source": "PagerDuty", "linked": None, "incidents": [self.i] * 120}
        return [
            Sample(m, "a firing alert", base),
            Sample(m, "linked to an incident", {**base, "linked": self.i}),
            Sample(m, "linked to a private incident", {**base, "linked": self.p}),
            Sample(m, "dismissed", {**base, "a": _with(alert, dismissed_by=OWNER)}),
            Sample(
                m,
                "resolved, no incident open",
                {**base, "a": _with(alert, status="resolved"), "incidents": []},
            ),
        ]

    def items(self) -> list[ActionItem]:
        return followups.items(self.session, self.open.id)

    def update(self) -> StatusUpdate:
        found = updates.latest(self.session, self.open.id)
        assert found is not None, "the sample database has an update"
        return found

    def statuspage(self, r: Renderer, i: IncidentFacts) -> object:
        stage = "Resolved" if i.resolved_at else "Investigating"
        name = f"docs/statuspage_{stage.lower()}.txt.j2"
        draft = r.text(name, i=i, now=NOW, postmortem_within=self.within).strip()
        return r.message("statuspage_draft", i=i, draft=draft, stage=stage, publish=not i.is_private)

    def views(self) -> list[Sample]:
        v, policy = "views/", self.policy
        declare_form = {
            "severities": policy.severities,
            "default_severity": None,
            "limits": declare.LIMITS,
            "fields": policy.fields,
            "metadata": self.metadata,
        }
        update_form = {
            "statuses": OPEN_STATUSES,
            "choices": CHOICES,
            "text_max": updates.UPDATE_MAX,
            "expected_max": updates.EXPECTED_MAX,
            "metadata": self.metadata,
        }
        statuspage_form = {
            "title": typed(status_page.NAME_MAX),
            "status": "identified",
            "body": typed(status_page.BODY_MAX),
            "statuses": list(status_page.STATUSES.items()),
            "impacts": list(status_page.IMPACTS.items()),
            "components": [(f"c{n}", typed(300), "major_outage") for n in range(60)],
            "shown_components": 40,
            "note": "The first 40 of the page's 60 components are shown.",
            "limits": {"name": status_page.NAME_MAX, "body": status_page.BODY_MAX},
            "metadata": self.metadata,
        }
        return [
            Sample(v + "declare.json.j2", "empty", {**declare_form, "title": ""}),
            Sample(v + "declare.json.j2", "a title typed", {**declare_form, "title": typed(500)}),
            *self.each(v + "update.json.j2", **update_form, default_next=CHOICES[3]),
            Sample(v + "update.json.j2", "no cadence", {**update_form, "i": self.p, "default_next": None}),
            *self.each(v + "severity.json.j2", severities=policy.severities, metadata=self.metadata),
            *self.each(v + "resolve.json.j2", limits=resolution.LIMITS, metadata=self.metadata),
            *self.each(
                v + "action.json.j2", text_max=followups.TEXT_MAX, today="2026-11-23", metadata=self.metadata
            ),
            Sample(
                v + "home.json.j2",
                f"{MORE_OPEN + 2} open incidents",
                build=lambda r: home_view(r, policy, self.session, NOW),
            ),
            *self.each(v + "statuspage.json.j2", **statuspage_form),
            Sample(
                v + "statuspage.json.j2",
                "the components could not be read",
                {
                    **statuspage_form,
                    "i": self.i,
                    "components": [],
                    "note": "The components could not be read.",
                },
            ),
            Sample(v + "home.json.j2", "no incidents", build=self.empty_home),
        ]

    def empty_home(self, r: Renderer) -> object:
        with sample_session(self.policy, fill=False) as empty:
            return home_view(r, self.policy, empty, NOW)

    def documents(self) -> list[Sample]:
        d, policy, session = "docs/", self.policy, self.session
        since = NOW - timedelta(days=30)
        metrics = period_metrics(session, policy, Period(since, NOW, True, True), NOW)
        summary = summarize(policy, metrics, since, NOW)
        records = [rca_record(policy, self.resolved, [typed(followups.TEXT_MAX)] * 3)] * 2
        charts = Charts(time_to_resolve="report-ttr.png", on_time="report-ontime.png")

        def report(r: Renderer, shown: Charts) -> str:
            return markdown_report(
                r, policy, summary, metrics, shown, until_label="2026-11-23", generated_at=NOW
            )

        def postmortem_of(r: Renderer, incident: Incident) -> str:
            return postmortem.markdown(r, postmortem.document(session, policy, incident, NOW))

        status = {"now": NOW, "postmortem_within": self.within}
        period = ("2026-11-01", "2026-11-30")
        return [
            Sample(
                d + "postmortem.md.j2", "a resolved incident", build=lambda r: postmortem_of(r, self.resolved)
            ),
            Sample(d + "postmortem.md.j2", "a draft", build=lambda r: postmortem_of(r, self.private)),
            Sample(d + "report.md.j2", "with charts", build=lambda r: report(r, charts)),
            Sample(d + "report.md.j2", "no charts", build=lambda r: report(r, Charts(note="No charts."))),
            Sample(
                d + "rca.txt.j2",
                "two records",
                build=lambda r: rca_report(r, records, *period),
            ),
            Sample(
                d + "rca.txt.j2", "no records", build=lambda r: rca_report(r, [], "2026-11-01", "2026-11-30")
            ),
            *self.each(d + "statuspage_investigating.txt.j2", **status),
            Sample(d + "statuspage_resolved.txt.j2", "a resolved incident", {"i": self.r, **status}),
        ]


def _with(alert: Alert, **changes: Any) -> Alert:
    """A copy of a sample alert with some of its fields changed."""
    copied = Alert(**{c.key: getattr(alert, c.key) for c in Alert.__table__.columns})
    for name, value in changes.items():
        setattr(copied, name, value)
    return copied


ONCALL: list[dict[str, Any]] = [
    {"name": "primary-oncall", "people": "<@U0PRIMARY>", "unknown": ["nobody@example.com"], "as_of": NOW,
     "stale": False, "error": ""},
    {"name": "backup-oncall", "people": "", "unknown": [], "as_of": None, "stale": False,
     "error": "api.pagerduty.com answered HTTP 500"},
]  # fmt: skip
