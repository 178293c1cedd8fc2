"""A drill's score card: its timings against the policy's targets, measured from its timeline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot.config.policy import Policy
from bot.db.models import Incident
from bot.durations import humanize_duration
from bot.incidents.drills import scenario_of
from bot.incidents.scenarios import ScenarioError, scenarios
from bot.insights.history import measured


@dataclass(frozen=True)
class ScoreRow:
    label: str
    value: str
    target: str = ""
    met: bool | None = None  # None: no target to meet


@dataclass(frozen=True)
class DrillScore:
    scenario: str
    rows: list[ScoreRow]

    @property
    def targets(self) -> int:
        return sum(1 for r in self.rows if r.met is not None)

    @property
    def met(self) -> int:
        return sum(1 for r in self.rows if r.met)


def _took(value: timedelta | None) -> str:
    return humanize_duration(value) if value is not None else "never"


def score(session: Session, policy: Policy, incident: Incident, now: datetime) -> DrillScore:
    metrics = measured(session, policy, [incident], now)[0]
    severity = policy.find_severity(metrics.declared_severity)
    key = scenario_of(session, incident)
    try:
        scenario = scenarios(policy).get(key or "")
    except ScenarioError:
        scenario = None
    rows: list[ScoreRow] = []
    target = severity.response_target if severity else None
    acknowledged = metrics.time_to_acknowledge
    if isinstance(target, timedelta):
        met = acknowledged is not None and acknowledged <= target
        rows.append(ScoreRow("Time to a commander", _took(acknowledged), humanize_duration(target), met))
    else:
        rows.append(ScoreRow("Time to a commander", _took(acknowledged)))
    expected = scenario.expected_roles if scenario else ("ic",)
    for role in policy.roles:
        if role.key == "ic" or (role.key not in expected and role.key not in metrics.time_to_role):
            continue
        took = metrics.time_to_role.get(role.key)
        rows.append(
            ScoreRow(
                f"Time to a {role.name}",
                _took(took),
                "staffed" if role.key in expected else "",
                (took is not None) if role.key in expected else None,
            )
        )
    counts = metrics.updates
    if counts.promised:
        rows.append(
            ScoreRow(
                "Updates on time",
                f"{counts.on_time} of {counts.promised} ({counts.late} late)",
                "all",
                counts.late == 0,
            )
        )
    else:
        rows.append(ScoreRow("Updates on time", f"{counts.posted} posted, none was due"))
    rows.append(ScoreRow("Time to mitigation (first Monitoring)", _took(metrics.time_to_mitigate)))
    rows.append(ScoreRow("Time to resolution", _took(metrics.time_to_resolve)))
    return DrillScore(scenario.title if scenario else incident.title, rows)
