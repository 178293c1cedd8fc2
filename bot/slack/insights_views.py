"""The Slack side of insights: the ``/incident stats`` message and the App Home tab.

Both read the database and render templates (``messages/stats.json.j2``, ``views/home.json.j2``);
publishing them (the command, ``app_home_opened``, ``views.publish``) is the handlers' job.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.config.policy import Policy
from bot.incidents import queries
from bot.insights.documents import percent, span
from bot.insights.history import DEFAULT_SINCE, Period, period_metrics
from bot.insights.summary import Summary, summarize
from bot.rendering import Message, Renderer
from bot.slack.presenters import IncidentFacts, facts

HOME_SHOWN = 40  # open incidents listed on the Home tab; the rest are counted ("…and N more")
TOP_VALUES = 8  # values shown per custom field


@dataclass(frozen=True)
class OpenRow:
    """An open incident on the Home tab. A private one shows only its severity and age."""

    i: IncidentFacts
    private: bool
    drill: bool


def period_summary(session: Session, policy: Policy, since: datetime, now: datetime) -> Summary:
    """The figures since ``since`` without drills and private incidents (counted as left out)."""
    everything = Period(since, now, include_drills=True, include_private=True)
    return summarize(policy, period_metrics(session, policy, everything, now), since, now)


def _helpers() -> dict[str, object]:
    return {"span": span, "percent": percent, "top": TOP_VALUES}


def stats_message(
    render: Renderer, policy: Policy, session: Session, now: datetime, since: datetime | None = None
) -> Message:
    """The ``/incident stats`` summary since ``since`` (default: the last 30 days)."""
    start = since or now - DEFAULT_SINCE
    summary = period_summary(session, policy, start, now)
    return render.message("stats", s=summary, since=start, **_helpers())


def home_view(render: Renderer, policy: Policy, session: Session, now: datetime) -> dict[str, Any]:
    """The App Home tab: open incidents (severity, age, commander, next update) and the last 30 days."""
    found = queries.open_incidents(session)
    rows = [OpenRow(facts(policy, i, now), i.is_private, i.is_drill) for i in found]
    summary = period_summary(session, policy, now - DEFAULT_SINCE, now)
    return render.view(
        "home",
        rows=rows[:HOME_SHOWN],
        total=len(rows),
        s=summary,
        now=now,
        **_helpers(),
    )
