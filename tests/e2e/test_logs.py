"""The logs of a whole flow at DEBUG, as a machine reads them: every line one JSON object, effects'
lines naming their incident, and no token, secret or request signature anywhere."""

from __future__ import annotations

import json
import re
from pathlib import Path

from playground.server import SlackStandIn
from tests.e2e.db import wait_settled
from tests.e2e.flows import declare, resolve
from tests.e2e.harness import SIGNING_SECRET, bot_env, start_bot


def test_a_full_flow_logs_json_lines_and_no_secret(
    standin: SlackStandIn, database_url: str, tmp_path: Path
) -> None:
    env = bot_env(
        standin, database_url, LOG_FORMAT="json", LOG_LEVEL="DEBUG",
        ALERTS_TOKEN="alerts-bearer-token-123", PAGERDUTY_WEBHOOK_SECRET="pd-webhook-secret-456",
    )  # fmt: skip
    bot = start_bot(tmp_path, env)
    try:
        incident = declare(standin, bot, database_url, "P1 Checkout is down")
        channel = incident.channel_id or ""
        bot.sender.command(standin.slash_command_payload(text="update Pool raised", channel_id=channel))
        resolve(standin, bot, channel)
        wait_settled(database_url)
    finally:
        assert bot.stop() == 0
    written = bot.log()
    lines = [json.loads(line) for line in written.splitlines() if line.strip()]
    assert lines and all({"time", "level", "logger", "message"} <= set(line) for line in lines)
    about = [line for line in lines if line.get("effect", "").startswith(incident.ref)]
    assert about and all(line["incident"] == incident.ref for line in about)
    for secret in (
        standin.config.bot_token,
        SIGNING_SECRET,
        "alerts-bearer-token-123",
        "pd-webhook-secret-456",
    ):
        assert secret not in written
    assert not re.search(r"xox[bp]-\w", written) and not re.search(r"v0=[0-9a-f]{32}", written)
