"""GET /metrics after a whole flow: the names a Prometheus user expects, each moved as the flow says;
off unless asked for, and behind a bearer token when one is set."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from playground.server import SlackStandIn
from tests.e2e.db import wait_settled
from tests.e2e.flows import declare, resolve
from tests.e2e.harness import RunningBot, bot_env, start_bot, until

POLICY = """
severities:
  - {key: P1, label: Critical, response_target: 15m, update_cadence: 2s}
  - {key: P2, label: High, response_target: 1h, update_cadence: 30m}
"""


def get(bot: RunningBot, path: str, token: str | None = None) -> tuple[int, str]:
    request = urllib.request.Request(f"{bot.url}{path}")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            return int(reply.status), reply.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def scrape(bot: RunningBot, token: str | None = None) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    status, text = get(bot, "/metrics", token)
    assert status == 200, text
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(seen: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str) -> float:
    return seen.get((name, tuple(sorted(labels.items()))), 0.0)


def post_alert(bot: RunningBot, token: str) -> int:
    body = json.dumps({"title": "Disk full", "status": "firing", "dedup_key": "disk-1"}).encode()
    request = urllib.request.Request(f"{bot.url}/alerts/generic", data=body, method="POST")
    request.add_header("Content-Type", "application/json")
    request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            return int(reply.status)
    except urllib.error.HTTPError as error:
        return error.code


def test_metrics_move_with_a_whole_flow(standin: SlackStandIn, database_url: str, tmp_path: Path) -> None:
    (tmp_path / "policy.yml").write_text(POLICY)
    standin.add_channel("ops-alerts", bot_member=True)
    env = bot_env(
        standin, database_url, METRICS_TOKEN="scrape-token-1", ALERTS_TOKEN="alerts-token-1",
        INCIDENT_BOT_CONFIG=str(tmp_path / "policy.yml"),
    )  # fmt: skip
    bot = start_bot(tmp_path, env)
    try:
        assert get(bot, "/metrics")[0] == 401  # a token is set: it is needed
        incident = declare(standin, bot, database_url, "P1 Checkout is down")
        open_now = scrape(bot, "scrape-token-1")
        assert value(open_now, "incident_bot_incidents_open", severity="P1") == 1
        assert value(open_now, "incident_bot_acks_total", kind="command") >= 1
        assert value(open_now, "incident_bot_ack_duration_seconds_count", kind="command") >= 1
        assert value(open_now, "incident_bot_deliveries_total", kind="post", outcome="done") >= 2
        assert value(open_now, "incident_bot_database_up") == 1
        until(lambda: value(scrape(bot, "scrape-token-1"), "incident_bot_reminders_sent_total") >= 1)
        assert post_alert(bot, "alerts-token-1") == 202 and post_alert(bot, "wrong") == 401
        channel = incident.channel_id or ""
        payload = standin.slash_command_payload(text="resolve", channel_id=channel, user_id="U0BOB")
        bot.sender.command(payload)  # Bob is not the commander: refused
        resolve(standin, bot, channel)
        wait_settled(database_url)
        after = scrape(bot, "scrape-token-1")
    finally:
        assert bot.stop() == 0
    assert value(after, "incident_bot_incidents_open", severity="P1") == 0
    assert value(after, "incident_bot_acks_total", kind="view") >= 1
    assert value(after, "incident_bot_reminder_lateness_seconds_count") >= 1
    assert value(after, "incident_bot_escalations_fired_total", when="at_declare") == 0  # none configured
    assert value(after, "incident_bot_alerts_received_total", source="generic", outcome="taken") == 1
    assert value(after, "incident_bot_alerts_received_total", source="generic", outcome="refused") == 1
    assert value(after, "incident_bot_refusals_total", reason="not_allowed") == 1
    assert (
        value(after, "incident_bot_outbox_pending") == 0 and value(after, "incident_bot_outbox_failed") == 0
    )
    assert value(after, "incident_bot_scheduler_tick_duration_seconds_count") >= 1


def test_metrics_are_off_unless_asked_for(standin: SlackStandIn, database_url: str, tmp_path: Path) -> None:
    bot = start_bot(tmp_path, bot_env(standin, database_url))
    try:
        status, text = get(bot, "/metrics")
        assert status == 404 and "METRICS=1" in text
    finally:
        assert bot.stop() == 0
