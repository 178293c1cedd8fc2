"""Starting and stopping the bot: Socket Mode, bad settings, bad policy files, the CLI."""

from __future__ import annotations

import json
import signal
from pathlib import Path

from playground.server import SlackStandIn
from tests.e2e.harness import YEAR, bot_env, run_cli, start_bot, state


def test_socket_mode_declare_end_to_end(standin: SlackStandIn, database_url: str, tmp_path: Path) -> None:
    env = bot_env(standin, database_url, SLACK_APP_TOKEN=standin.config.app_token, SLACK_SIGNING_SECRET="")
    bot = start_bot(tmp_path, env, wait_for="socket")
    try:
        standin.wait_for("apps.connections.open", timeout=30)
        standin.wait_socket_connected(timeout=30)
        payload = standin.slash_command_payload(text="declare")
        envelope = standin.send_envelope("slash_commands", payload)
        ack = standin.wait_for_ack(envelope, timeout=3)
        assert ack["envelope_id"] == envelope
        opened = standin.wait_for("views.open", lambda c: c.args.get("trigger_id") == payload["trigger_id"])
        view_id = opened.response["view"]["id"]
        form = {
            "title": "Login broken",
            "severity": ("select", "P2"),
            "impact": "Nobody can log in",
            "commander": ("checks", ["self"]),
        }
        submission = standin.view_submission_payload(state(form), view_id=view_id)
        envelope = standin.send_envelope("interactive", submission)
        standin.wait_for_ack(envelope, timeout=3)
        created = standin.wait_for("conversations.create", timeout=10)
        assert created.args["name"].endswith("-login-broken")
        standin.wait_for("pins.add", timeout=10)
        reply = standin.wait_for_response(payload["response_url"], timeout=10)
        assert "Login broken" in reply["text"]

        # a refused form is answered in the ack's payload
        payload = standin.slash_command_payload(text="declare")
        standin.wait_for_ack(standin.send_envelope("slash_commands", payload), timeout=3)
        opened = standin.wait_for("views.open", lambda c: c.args.get("trigger_id") == payload["trigger_id"])
        bad = standin.view_submission_payload(
            state({**form, "title": " "}), view_id=opened.response["view"]["id"]
        )
        ack = standin.wait_for_ack(standin.send_envelope("interactive", bad), timeout=3)
        assert ack["payload"]["response_action"] == "errors" and "title" in ack["payload"]["errors"]
    finally:
        code = bot.stop()
    assert code == 0, bot.log()


def test_missing_secrets_stop_start_up_with_one_line(
    standin: SlackStandIn, database_url: str, tmp_path: Path
) -> None:
    for missing in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"):
        env = bot_env(standin, database_url)
        del env[missing]
        result = run_cli(["run"], env, tmp_path)
        assert result.returncode != 0
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and missing in lines[0], result.stderr


def test_a_bad_policy_file_stops_start_up_without_a_traceback(
    standin: SlackStandIn, database_url: str, tmp_path: Path
) -> None:
    policy = tmp_path / "policy.yml"
    policy.write_text("severities:\n  - {key: P1, label: Critical, response_target: 15 minutes}\nfoo: bar\n")
    result = run_cli(["run"], bot_env(standin, database_url, INCIDENT_BOT_CONFIG=str(policy)), tmp_path)
    assert result.returncode == 2
    assert (
        str(policy) in result.stderr
        and "response_target" in result.stderr
        and "foo: unknown key" in result.stderr
    )
    assert "Traceback" not in result.stderr
    check = run_cli(["config", "check", str(policy)], bot_env(standin, database_url), tmp_path)
    assert check.returncode == 2 and "15m" in check.stderr


def test_config_check_prints_the_effective_policy(
    standin: SlackStandIn, database_url: str, tmp_path: Path
) -> None:
    policy = tmp_path / "policy.yml"
    policy.write_text("announcement_channel: '#incidents'\nchannel_prefix: incident\n")
    result = run_cli(["config", "check", str(policy)], bot_env(standin, database_url), tmp_path)
    assert result.returncode == 0, result.stderr
    assert "announcement_channel: incidents" in result.stdout
    assert "update_cadence: 15m" in result.stdout and "key: P4" in result.stdout


def test_db_upgrade_then_run_uses_the_policy_and_stops_on_sigterm(
    standin: SlackStandIn, database_url: str, tmp_path: Path
) -> None:
    env = bot_env(standin, database_url)
    upgraded = run_cli(["db", "upgrade"], env, tmp_path)
    assert upgraded.returncode == 0, upgraded.stderr
    policy = tmp_path / "policy.yml"
    policy.write_text("announcement_channel: general\nleadership_channel: null\nchannel_prefix: sev\n")
    bot = start_bot(tmp_path, {**env, "INCIDENT_BOT_CONFIG": str(policy)})
    try:
        payload = standin.slash_command_payload(text="declare P1 Custom policy")
        bot.sender.command(payload)
        standin.wait_for_response(payload["response_url"], timeout=10)
        assert standin.calls("conversations.create")[0].args["name"] == f"sev-{YEAR}-0001-custom-policy"
        posted = {c.args["channel"] for c in standin.calls("chat.postMessage")}
        assert "general" in posted and not any("leadership" in p for p in posted)
    finally:
        code = bot.stop(signal.SIGTERM)
    assert code == 0 and "stopped" in bot.log()
    assert json.dumps("Traceback") not in bot.log()
