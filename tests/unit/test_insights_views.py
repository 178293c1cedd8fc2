"""The App Home tab and the /incident stats message: valid Block Kit, within limits, user text escaped."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy.orm import Session, sessionmaker

from bot.config.policy import Policy
from bot.db.models import Status
from bot.rendering import Renderer
from bot.slack.insights_views import HOME_SHOWN, home_view, stats_message
from tests.insights_history import History
from tests.slack_checks import HOSTILE, assert_no_live_tokens, check_message, check_view

START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
POLICY = Policy()


def texts(blocks: list[dict[str, object]]) -> str:
    return json.dumps([b for b in blocks if b["type"] != "header"], ensure_ascii=False)


def test_home_with_no_incidents(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        view = home_view(Renderer(), POLICY, session, START)
    check_view(view)
    assert view["type"] == "home"
    assert view["blocks"][0]["text"]["text"] == "🚨 Open incidents (0)"
    body = texts(view["blocks"])
    assert "No open incidents." in body and "No incidents were declared in this period." in body


def test_home_with_60_open_incidents_stays_within_100_blocks(sessions: sessionmaker[Session]) -> None:
    h = History(sessions, POLICY, START)
    for n in range(58):
        h.declare(n, "P1" if n % 2 else "P2", title=f"{HOSTILE} {n}", commander=None if n % 3 else "U0IC")
    secret = h.declare(58, "P1", title="Credential leak at ACME", private=True)
    h.declare(59, "P3", title="Newest", drill=True)
    resolved = h.declare(0, "P1", platform=HOSTILE, services="checkout, <!here>")
    h.update(resolved, 10, Status.MONITORING)
    h.resolve(resolved, 30)
    with sessions() as session:
        view = home_view(Renderer(), POLICY, session, h.at(120))
    check_view(view)
    blocks = view["blocks"]
    assert len(blocks) <= 100
    assert blocks[0]["text"]["text"] == "🚨 Open incidents (60)"
    listed = [b for b in blocks if "open for" in b.get("text", {}).get("text", "")]
    assert len(listed) == HOME_SHOWN
    assert "_drill_" in listed[0]["text"]["text"] and "*INC-2026-0060*" in listed[0]["text"]["text"]
    assert listed[1]["text"]["text"] == "🔒 A private P1 (Critical) incident · open for 1 hour 2 minutes"
    assert "…and 20 more" in texts(blocks)
    assert "next update *overdue* since <!date^" in listed[2]["text"]["text"]
    assert "Commander: <@U0IC>" in texts(blocks) and "Commander: _nobody yet_" in texts(blocks)
    body = texts(blocks)
    assert "Credential leak" not in body and secret
    assert_no_live_tokens(body)
    assert "*MTTR* (median / p90)\\n30 minutes / 30 minutes" in body


def build_period(sessions: sessionmaker[Session]) -> History:
    h = History(sessions, POLICY, START)
    a = h.declare(0, "P1", platform="AWS", services="checkout, payments")
    h.update(a, 10)
    h.resolve(a, 20)
    b = h.declare(60, "P2", commander=None, platform="aws <!channel>")
    h.resolve(b, 120)  # its first update, promised at 90, never came: late
    drill = h.declare(5, "P1", drill=True)
    h.resolve(drill, 6)
    return h


def test_stats_message_summarises_the_period(sessions: sessionmaker[Session]) -> None:
    h = build_period(sessions)
    with sessions() as session:
        message = stats_message(Renderer(), POLICY, session, h.at(600), since=h.at(-60))
    check_message(message)
    assert message.text == (
        "Incident stats since 2026-11-02 08:00 UTC: 2 incidents, MTTA 0 seconds, "
        "MTTR 40 minutes (median), updates on time 50%"
    )
    body = texts(message.blocks)
    assert_no_live_tokens(body)
    assert "*Incidents*\\n2 (2 resolved, 0 open)" in body
    assert "*MTTR* (median / p90)\\n40 minutes / 1 hour" in body
    assert "*Updates on time*\\n1 of 2 (50%)" in body and "*Nobody took command*\\n1" in body
    assert "*By severity:* P1 1 · P2 1" in body
    assert "*Platform:* AWS 1 · aws &lt;!channel&gt; 1" in body
    assert "*Services:* checkout 1 · payments 1" in body
    assert "2026-W45: 2 incidents, 1 of 2 updates on time" in body
    assert "Drills and private incidents are not counted (1 left out)." in body


def test_stats_default_to_the_last_30_days_and_say_when_nothing_happened(
    sessions: sessionmaker[Session],
) -> None:
    h = build_period(sessions)
    with sessions() as session:
        message = stats_message(Renderer(), POLICY, session, h.at(60 * 24 * 45))
    check_message(message)
    assert "No incidents were declared in this period." in texts(message.blocks)
    assert message.text.endswith("0 incidents, MTTA —, MTTR — (median), updates on time —")
