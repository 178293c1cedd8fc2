"""The postmortem carries the incident's metrics and custom fields, in Markdown and in its JSON data."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy.orm import Session, sessionmaker

from bot.config.policy import Policy
from bot.db.models import Incident
from bot.insights import postmortem
from bot.rendering import Renderer
from tests.insights_history import History

START = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
POLICY = Policy(
    fields=[
        {"key": "platform", "label": "Platform"},
        {"key": "owner", "label": "Owning lead", "type": "user"},
    ]
)


def test_the_postmortem_has_a_metrics_section(sessions: sessionmaker[Session]) -> None:
    h = History(sessions, POLICY, START)
    incident_id = h.declare(0, "P1", commander=None, platform="AWS | eu-west-1", owner="U0LEAD")
    h.assign(incident_id, 7)
    h.update(incident_id, 10)  # on time
    h.scheduler_records(incident_id, 25, "reminder_sent")
    h.scheduler_records(incident_id, 26, "escalated", tier="P1:3", targets=["engineering-lead"], reason="r")
    h.scheduler_records(incident_id, 26, "paged", target="engineering-lead", action="trigger")
    h.update(incident_id, 28)  # late
    h.severity(incident_id, 30, "P2")  # the next update is now promised at 28 + 30
    h.resolve(incident_id, 55)  # before it fell due
    with sessions() as session:
        data = postmortem.document(session, POLICY, session.get_one(Incident, incident_id), h.at(90))
    metrics = data["metrics"]
    assert metrics["time_to_acknowledge"] == "7 minutes" and metrics["time_to_acknowledge_seconds"] == 420
    assert metrics["time_to_resolve"] == "55 minutes" and metrics["time_to_resolve_seconds"] == 3300
    assert (metrics["updates_on_time"], metrics["updates_promised"], metrics["updates_late"]) == (1, 2, 1)
    assert (metrics["escalations"], metrics["pages"], metrics["declared_severity"]) == (1, 1, "P1")
    assert data["fields"] == [
        {"key": "platform", "label": "Platform", "value": "AWS | eu-west-1"},
        {"key": "owner", "label": "Owning lead", "value": "@U0LEAD"},
    ]
    assert json.loads(json.dumps(data))["metrics"] == metrics  # what `incident-bot export --json` prints
    markdown = postmortem.markdown(Renderer(), data)
    section = markdown.split("## Metrics")[1].split("## Responders")[0]
    assert "- **Time to acknowledge**: 7 minutes\n" in section
    assert "- **Time to resolve**: 55 minutes\n" in section
    assert "- **Updates on time**: 1 of 2 (1 late)\n" in section
    assert "- **Escalations**: 1 · **Pages**: 1\n" in section
    assert "- **Declared as**: P1\n" in section
    assert "- **Platform**: AWS | eu-west-1\n" in markdown and "- **Owning lead**: @U0LEAD\n" in markdown


def test_an_open_incident_without_a_commander_says_so(sessions: sessionmaker[Session]) -> None:
    h = History(sessions, POLICY, START)
    incident_id = h.declare(0, "P3", commander=None)
    with sessions() as session:
        data = postmortem.document(session, POLICY, session.get_one(Incident, incident_id), h.at(30))
    section = postmortem.markdown(Renderer(), data).split("## Metrics")[1].split("## Responders")[0]
    assert "- **Time to acknowledge**: nobody took command\n" in section
    assert "- **Time to resolve**: not resolved yet\n" in section
    assert "- **Updates on time**: no update fell due\n" in section
    assert "Declared as" not in section and data["fields"] == []
