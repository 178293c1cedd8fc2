"""Alerts in: PagerDuty, Alertmanager and generic webhooks, verified and committed before the answer,
posted once in #ops-alerts and edited after, declared by a rule, linked, and PagerDuty told when the
incident is resolved (exactly once, through the outbox)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.db.models import Alert, Incident, TimelineEvent
from playground.pagerduty import PagerDutyStandIn, alertmanager_group, am_alert, incident_event, sign
from playground.server import SlackStandIn
from tests.e2e.db import read, wait_settled
from tests.e2e.harness import RunningBot, bot_env, start_bot, state, until
from tests.slack_checks import check_message

SECRET = "pd-webhook-secret"
TOKEN = "alerts-token"
POLICY = """
alerts:
  rules:
    - match: {source: pagerduty, urgency: high}
      action: declare
      severity: P1
    - match: {title: "/^Watchdog/"}
      action: ignore
"""


@pytest.fixture
def pagerduty() -> Iterator[PagerDutyStandIn]:
    with PagerDutyStandIn() as server:
        server.add_user("PU1", "Ana", "ana@example.com")
        yield server


@pytest.fixture
def bot(
    standin: SlackStandIn, database_url: str, tmp_path: Path, pagerduty: PagerDutyStandIn
) -> Iterator[RunningBot]:
    standin.add_channel("ops-alerts", bot_member=True)
    standin.add_user("ana", user_id="U0ANA", email="ana@example.com")
    policy = tmp_path / "policy.yml"
    policy.write_text(POLICY)
    env = bot_env(
        standin, database_url, INCIDENT_BOT_CONFIG=str(policy), PAGERDUTY_WEBHOOK_SECRET=SECRET,
        ALERTS_TOKEN=TOKEN, PAGERDUTY_API_TOKEN=pagerduty.token, PAGERDUTY_API_URL=pagerduty.url,
        INTEGRATIONS_RETRY_AFTER="1",
    )  # fmt: skip
    running = start_bot(tmp_path, env)
    yield running
    assert running.stop() == 0, running.log()
    assert "Traceback" not in running.log(), running.log()


def send(bot: RunningBot, path: str, body: Any, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = urllib.request.Request(f"{bot.url}{path}", data=raw, headers=headers or {}, method="POST")
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            return reply.status, json.loads(reply.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def from_pagerduty(bot: RunningBot, event: dict[str, Any], secret: str = SECRET) -> tuple[int, Any]:
    raw = json.dumps(event).encode()
    return send(bot, "/alerts/pagerduty", raw, {"X-PagerDuty-Signature": sign(secret, raw)})


def bearer(token: str = TOKEN) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def posts(standin: SlackStandIn, channel: str = "ops-alerts") -> list[dict[str, Any]]:
    return [c.args for c in standin.calls("chat.postMessage") if c.ok and c.args.get("channel") == channel]


def alerts(database_url: str) -> list[Alert]:
    return read(database_url, lambda s: list(s.scalars(select(Alert).order_by(Alert.id))))


def test_a_pagerduty_alert_is_posted_once_and_edited_as_it_changes(
    standin: SlackStandIn, bot: RunningBot, database_url: str
) -> None:
    triggered = incident_event("incident.triggered", "PQ1", "Disk 91% on db-2", urgency="low")
    for _ in range(3):  # PagerDuty retrying the same delivery
        assert from_pagerduty(bot, triggered)[0] == 202
    [post] = until(lambda: posts(standin), what="the alert's post")
    check_message(post)
    assert "Disk 91% on db-2" in post["text"] and "firing" in post["text"]
    acknowledged = incident_event("incident.acknowledged", "PQ1", "Disk 91% on db-2", "low")
    assert from_pagerduty(bot, acknowledged)[0] == 202  # a new event for the same PagerDuty incident
    posted = next(
        c.response for c in standin.calls("chat.postMessage") if c.args.get("channel") == "ops-alerts"
    )
    edits = until(lambda: [c.args for c in standin.calls("chat.update") if c.args.get("ts") == posted["ts"]])
    check_message(edits[-1])
    assert "acknowledged" in edits[-1]["text"]
    wait_settled(database_url)
    [alert] = alerts(database_url)
    assert (alert.status, alert.fired, alert.incident_id) == ("acknowledged", 1, None)
    assert len(posts(standin)) == 1  # never a second post
    actions = json.dumps(post["blocks"])
    assert (
        '"alert_declare"' in actions and '"alert_dismiss"' in actions
    )  # a picker too, once an incident is open


def test_a_rule_declares_a_p1_and_resolving_it_resolves_pagerduty_once(
    standin: SlackStandIn, bot: RunningBot, database_url: str, pagerduty: PagerDutyStandIn
) -> None:
    pagerduty.add_incident("PQ7", "Checkout API 5xx")
    pagerduty.fail_next("incidents/PQ7", 500)  # the first try fails: retried, exactly once done
    status, answer = from_pagerduty(bot, incident_event("incident.triggered", "PQ7", urgency="high"))
    assert status == 202 and answer["declared"] == [
        read(database_url, lambda s: s.scalars(select(Incident)).one()).ref
    ]
    wait_settled(database_url)
    [incident] = read(database_url, lambda s: list(s.scalars(select(Incident))))
    assert incident.severity == "P1" and incident.channel_id
    kinds = read(database_url, lambda s: list(s.scalars(select(TimelineEvent.kind))))
    assert "alert_linked" in kinds
    linked = [
        m for m in standin.messages(incident.channel_id) if "linked the PagerDuty alert" in m.get("text", "")
    ]
    assert linked
    # the incident is resolved in Slack: PagerDuty hears it, once
    bot.sender.command(
        standin.slash_command_payload(text="ic", channel_id=incident.channel_id, user_id="U0ANA")
    )
    payload = standin.slash_command_payload(text="resolve", channel_id=incident.channel_id, user_id="U0ANA")
    bot.sender.command(payload)
    form = standin.wait_for("views.open", lambda c: c.args.get("trigger_id") == payload["trigger_id"])
    values = state({"summary": "Rolled back", "root_cause": "", "fix": ""})
    bot.sender.interaction(
        standin.view_submission_payload(values, view_id=form.response["view"]["id"], user_id="U0ANA")
    )
    until(lambda: pagerduty.incidents["PQ7"]["status"] == "resolved", what="PagerDuty resolved")
    wait_settled(database_url)
    puts = [c for c in pagerduty.requests("PUT", "incidents/PQ7") if c.status == 200]
    assert [c.body["incident"]["status"] for c in puts] == ["acknowledged", "resolved"]  # each once
    assert all(c.headers.get("From") == "ana@example.com" for c in puts)


def test_an_alertmanager_group_and_every_linked_alert_resolved(
    standin: SlackStandIn, bot: RunningBot, database_url: str
) -> None:
    group = alertmanager_group(
        am_alert("HighErrorRate", "fp1", team="payments"),
        am_alert("HighLatency", "fp2"),
        am_alert("DiskFull", "fp3", status="resolved"),
    )
    assert send(bot, "/alerts/alertmanager", group, bearer())[0] == 202
    assert send(bot, "/alerts/alertmanager", group, bearer())[0] == 202  # resent on its group interval
    wait_settled(database_url)
    shown = until(lambda: len(posts(standin)) == 2 and posts(standin), what="two posts")
    assert {"HighErrorRate on checkout", "HighLatency on checkout"} == {
        p["text"].split(" (")[0].split(" ", 1)[1] for p in shown
    }
    # declared from the first, the second linked to it
    from tests.e2e.flows import declare

    incident = declare(standin, bot, database_url, "P2 Checkout errors")
    first, second = alerts(database_url)[:2]
    for alert in (first, second):
        action = {"block_id": f"alert:{alert.id}", "selected_option": {"value": str(incident.id)}}
        payload = standin.block_actions_payload("alert_link", None, "U0ALICE", action=action)
        assert bot.sender.interaction(payload).status == 200
    wait_settled(database_url)
    resolved = alertmanager_group(
        am_alert("HighErrorRate", "fp1", status="resolved"), am_alert("HighLatency", "fp2", status="resolved")
    )
    assert send(bot, "/alerts/alertmanager", resolved, bearer())[0] == 202
    wait_settled(database_url)
    prompts = until(
        lambda: [
            m for m in standin.messages(incident.channel_id or "") if "has resolved" in m.get("text", "")
        ]
    )
    assert len(prompts) == 1 and '"resolve_open"' in json.dumps(prompts[0]["blocks"])


def test_bad_input_is_refused_with_a_reason_and_nothing_is_stored(
    standin: SlackStandIn, bot: RunningBot, database_url: str
) -> None:
    event = incident_event("incident.triggered", "PBAD", urgency="low")
    raw = json.dumps(event).encode()
    cases: dict[str, tuple[tuple[int, Any], int]] = {
        "no signature": (send(bot, "/alerts/pagerduty", raw), 401),
        "an old secret's signature": (from_pagerduty(bot, event, secret="rotated-away"), 401),
        "signed another body": (
            send(bot, "/alerts/pagerduty", raw, {"X-PagerDuty-Signature": sign(SECRET, b"{}")}),
            401,
        ),
        "wrong token": (send(bot, "/alerts/generic", {"title": "x"}, bearer("nope")), 401),
        "no token": (send(bot, "/alerts/alertmanager", {"alerts": []}), 401),
        "not JSON": (send(bot, "/alerts/generic", b"{not json", bearer()), 400),
        "2 MB": (send(bot, "/alerts/generic", b"x" * 2_000_000, bearer()), 413),
        "no event": (from_pagerduty(bot, {"nothing": 1}), 400),
        "generic without a title": (
            send(bot, "/alerts/generic", {"status": "firing", "dedup_key": "k"}, bearer()),
            400,
        ),
        "an unknown event type": (
            from_pagerduty(bot, {"event": {"id": "E1", "event_type": "service.updated", "data": {}}}),
            202,
        ),
    }
    for name, ((status, answer), expected) in cases.items():
        assert status == expected, (name, status, answer)
        if expected >= 400:
            assert isinstance(answer, dict) and answer.get("error"), (name, answer)
    hostile = {
        "title": "<!channel> bidi \u202eevil\u202c zero\u200bwidth",
        "status": "firing",
        "dedup_key": "hostile",
        "details": "<@U0EVIL> \x07bell",
        "url": "https://evil.example/a|<!here>",
    }
    assert send(bot, "/alerts/generic", hostile, bearer())[0] == 202
    labelled = alertmanager_group(am_alert("Hostile", "fph", team="<!here> \u2066x\u2069"))
    assert send(bot, "/alerts/alertmanager", labelled, bearer())[0] == 202
    wait_settled(database_url)
    assert [a.key for a in alerts(database_url)] == ["hostile", "fph"]  # nothing else was stored
    shown = until(lambda: len(posts(standin)) == 2 and posts(standin))
    text = json.dumps(shown)
    assert "<!channel>" not in text and "<!here>" not in text and "<@U0EVIL>" not in text
    assert not any(c in text for c in ("\u202e", "\u2066", "\u200b", "\x07"))
    assert "evil.example" not in text  # a URL that would break mrkdwn is dropped
    for post in shown:
        check_message(post)
    assert "Traceback" not in bot.log()


def test_the_endpoints_answer_404_until_their_secret_is_set(
    standin: SlackStandIn, database_url: str, tmp_path: Path
) -> None:
    running = start_bot(tmp_path, bot_env(standin, database_url))
    try:
        assert send(running, "/alerts/pagerduty", b"{}")[0] == 404
        assert send(running, "/alerts/generic", b"{}", bearer())[0] == 404
    finally:
        assert running.stop() == 0
