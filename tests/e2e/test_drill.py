"""A drill end to end in the demo at speed 60 (a minute a second): marked DRILL everywhere, its
injects on time, nobody paged or told in leadership, and a score card that says what the test did
and when."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.db.models import Incident
from playground.demo import Demo, DemoOptions
from tests.e2e.db import read
from tests.e2e.harness import known_channel, state, until


@pytest.fixture
def demo(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Demo]:
    monkeypatch.setenv("DATABASE_URL", database_url)
    with Demo(DemoOptions(port=0, speed=60)) as running:
        yield running


def test_a_drill_at_speed_scores_what_happened(demo: Demo, database_url: str) -> None:
    standin, sender, clock = demo.standin, demo.desk.sender, demo.clock  # type: ignore[union-attr]
    started = clock()
    reply = sender.command(
        standin.slash_command_payload(text="drill high-cpu-memory", channel_id="C0INCRESP")
    )
    assert "Drill INC-" in reply.json["text"] and "4 injects" in reply.json["text"]  # type: ignore[index]
    incident: Incident = until(
        lambda: read(
            database_url,
            lambda s: s.scalars(select(Incident).where(Incident.channel_id.is_not(None))).first(),
        )
    )
    assert incident.is_drill and incident.holder("ic") is None  # taking command is part of the drill
    channel = incident.channel_id or ""
    announcement = until(lambda: standin.messages(channel))[0]

    def at(minutes: float) -> None:
        time.sleep(max(0.0, (started + timedelta(minutes=minutes) - clock()).total_seconds() / 60))

    def take(user: str, role: str) -> None:
        press = standin.block_actions_payload(
            "role_take", f"{incident.id}:{role}", user, channel_id=channel, message_ts=announcement["ts"]
        )
        assert sender.interaction(press).status == 200

    def command(text: str, user: str = "U0BOB") -> dict[str, Any]:
        payload = standin.slash_command_payload(text=text, user_id=user, channel_id=channel)
        reply = sender.command(payload)
        assert reply.status == 200 and not reply.body, reply.body
        return payload

    at(2.5)
    take("U0BOB", "ic")
    at(4.5)
    take("U0CAROL", "tech_lead")
    at(6.5)
    take("U0DAVE", "scribe")
    at(7.5)
    command("update Scaled the service to 12 tasks")
    at(9.5)
    command("status monitoring")
    at(11.5)
    resolve = command("resolve")
    opened = standin.wait_for("views.open", lambda c: c.args.get("trigger_id") == resolve["trigger_id"])
    form = {"summary": "A runaway image resize", "root_cause": "v2.14.0", "fix": "Rolled back"}
    submitted = sender.interaction(
        standin.view_submission_payload(state(form), view_id=opened.response["view"]["id"], user_id="U0BOB")
    )
    assert submitted.status == 200 and not submitted.body, submitted.body

    card = standin.wait_for("chat.postMessage", lambda c: "score card" in c.args["text"])
    shown = json.dumps(card.args["blocks"], ensure_ascii=False)
    for line in (
        "Time to a commander:* 2 minutes (target 1 hour)",
        "Time to a Tech Lead:* 4 minutes",
        "Time to a Scribe:* 6 minutes",
        "Updates on time:* 1 of 1 (0 late)",
        "Time to mitigation (first Monitoring):* 9 minutes",
        "Time to resolution:* 11 minutes",
    ):
        assert line in shown, (line, shown)
    assert "4 of 4 targets met" in card.args["text"]  # commander, Tech Lead, Scribe, updates
    # marked everywhere, paging nobody, telling no leadership
    assert known_channel(standin, channel)["name"].startswith("drill-inc-")
    assert standin.topic(channel).startswith("DRILL · ")
    assert "🧪 DRILL" in json.dumps(announcement["blocks"], ensure_ascii=False)
    injects = [m for m in standin.messages(channel) if m["text"].startswith("🧪 Drill inject")]
    assert len(injects) == 4
    posted = standin.calls("chat.postMessage")
    assert not [c for c in posted if "leadership" in str(c.args.get("channel"))]
    assert not [c for c in posted if ":rotating_light:" in c.args.get("text", "")]  # no escalation
