"""The first five minutes: every start-up failure is one line naming the setting, never a traceback.

Each case runs the real ``incident-bot`` command as a subprocess, as a person would.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from importlib.metadata import version
from pathlib import Path

import pytest

from playground.server import SlackStandIn
from tests.e2e.harness import EXECUTABLE, bot_env, free_port, run_cli, start_bot

# Makes `import psycopg` fail as it does when the postgres extra is not installed.
HIDE_PSYCOPG = """
import sys


class _NotInstalled:
    def find_spec(self, name, path=None, target=None):
        if name == "psycopg" or name.startswith("psycopg."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


sys.meta_path.insert(0, _NotInstalled())
"""


def one_line(result: subprocess.CompletedProcess[str], *words: str) -> str:
    """The command failed with exactly one line on stderr, containing ``words``."""
    assert result.returncode != 0, result
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    line = lines[0]
    assert line.startswith("incident-bot: "), line
    for word in words:
        assert word in line, line
    return line


def closed_port() -> int:
    return free_port()  # bound and released at once: nothing listens there


def test_an_unreachable_database_is_one_line(standin: SlackStandIn, tmp_path: Path) -> None:
    port = closed_port()
    url = f"postgresql+psycopg://bot:secret-pw@127.0.0.1:{port}/incidents"
    line = one_line(
        run_cli(["run"], bot_env(standin, url), tmp_path),
        "DATABASE_URL",
        f"127.0.0.1:{port}",
        "connection refused",
        "is the database running",
    )
    assert "secret-pw" not in line


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("not a url", "is not a database URL"),
        ("postgres://bot@127.0.0.1/incidents", "write postgresql+psycopg://"),
        ("mysql://bot@127.0.0.1/incidents", "SQLite or PostgreSQL"),
    ],
)
def test_a_malformed_database_url_is_one_line(
    standin: SlackStandIn, tmp_path: Path, url: str, said: str
) -> None:
    one_line(run_cli(["run"], bot_env(standin, url), tmp_path), "DATABASE_URL", said)
    one_line(run_cli(["db", "upgrade"], bot_env(standin, url), tmp_path), "DATABASE_URL", said)


def test_a_postgresql_url_without_the_postgres_extra_is_one_line(
    standin: SlackStandIn, tmp_path: Path
) -> None:
    shim = tmp_path / "shim"
    shim.mkdir()
    (shim / "sitecustomize.py").write_text(HIDE_PSYCOPG)
    env = bot_env(standin, f"postgresql+psycopg://bot@127.0.0.1:{closed_port()}/incidents")
    env["PYTHONPATH"] = str(shim)
    extra = "pip install 'incident-bot[postgres]'"
    one_line(run_cli(["run"], env, tmp_path), "DATABASE_URL", "psycopg", extra)


def test_slack_unreachable_is_one_line(standin: SlackStandIn, database_url: str, tmp_path: Path) -> None:
    api = f"http://127.0.0.1:{closed_port()}/api/"
    env = bot_env(standin, database_url, SLACK_API_URL=api)
    one_line(run_cli(["run"], env, tmp_path), "SLACK_API_URL", api, "connection refused")


def test_a_bot_token_slack_rejects_is_one_line(
    standin: SlackStandIn, database_url: str, tmp_path: Path
) -> None:
    env = bot_env(standin, database_url, SLACK_BOT_TOKEN="xoxb-not-this-workspaces-token")
    one_line(run_cli(["run"], env, tmp_path), "SLACK_BOT_TOKEN", "invalid_auth")
    # the README's command pasted with its placeholder left in
    env = bot_env(standin, database_url, SLACK_BOT_TOKEN="xoxb-…")
    one_line(run_cli(["run"], env, tmp_path), "SLACK_BOT_TOKEN", "'…'")


def test_an_app_token_slack_rejects_is_one_line(
    standin: SlackStandIn, database_url: str, tmp_path: Path
) -> None:
    env = bot_env(standin, database_url, SLACK_APP_TOKEN="xapp-not-this-apps-token")
    one_line(run_cli(["run"], env, tmp_path), "SLACK_APP_TOKEN", "invalid_auth")


def test_a_port_in_use_is_one_line(standin: SlackStandIn, database_url: str, tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = bot_env(standin, database_url, HOST="127.0.0.1", PORT=str(port))
        one_line(run_cli(["run"], env, tmp_path), "PORT", f"127.0.0.1:{port}", "already in use")


def test_a_bad_log_level_is_one_line(standin: SlackStandIn, database_url: str, tmp_path: Path) -> None:
    env = bot_env(standin, database_url, LOG_LEVEL="verbose")
    one_line(run_cli(["run"], env, tmp_path), "LOG_LEVEL", "verbose")


@pytest.mark.parametrize(
    "command", [["export", "INC-2026-0001"], ["outbox"], ["report", "--since", "2026-11-01"]]
)
def test_reading_commands_outside_a_bot_directory_say_there_is_no_database(
    standin: SlackStandIn, tmp_path: Path, command: list[str]
) -> None:
    env = bot_env(standin, "sqlite:///unused.db")
    del env["DATABASE_URL"]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    one_line(run_cli(command, env, elsewhere), "no database at incident-bot.db", "DATABASE_URL")
    assert not list(elsewhere.iterdir()), "no empty database file is made"


def test_config_check_into_a_reader_that_stops_early_exits_quietly(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("INCIDENT_BOT_")}
    # Deterministic: the reading end is closed before the command writes anything.
    read, write = os.pipe()
    os.close(read)
    try:
        done = subprocess.run(
            [str(EXECUTABLE), "config", "check"],
            stdout=write,
            stderr=subprocess.PIPE,
            env=env,
            cwd=tmp_path,
            text=True,
            timeout=30,
            check=False,
        )
    finally:
        os.close(write)
    assert done.stderr == "" and done.returncode == 1
    # And as typed in a shell.
    piped = subprocess.run(
        f"'{EXECUTABLE}' config check | head -1",
        shell=True,
        capture_output=True,
        env=env,
        cwd=tmp_path,
        text=True,
        timeout=30,
        check=False,
    )
    assert piped.stderr == "" and piped.stdout.startswith("# built-in defaults: valid")


def test_version(tmp_path: Path) -> None:
    result = run_cli(["--version"], dict(os.environ), tmp_path)
    assert result.returncode == 0 and result.stdout == f"incident-bot {version('incident-bot')}\n"


def test_a_normal_start_says_nothing_per_tick_and_no_token_warning(
    standin: SlackStandIn, database_url: str, tmp_path: Path
) -> None:
    bot = start_bot(tmp_path, bot_env(standin, database_url))  # SCHEDULER_TICK=0.5, LOG_LEVEL=INFO
    try:
        time.sleep(1.5)
        settled = bot.log()
        time.sleep(2.5)  # five more ticks, nothing to do
        idle = bot.log()
    finally:
        code = bot.stop()
    assert code == 0, bot.log()
    assert "serving HTTP on" in settled
    assert idle == settled, f"an idle bot logged something:\n{idle[len(settled) :]}"
    for noise in ("will be unused", "apscheduler", "Running job", "executed successfully"):
        assert noise not in bot.log(), bot.log()
    assert "Traceback" not in bot.log()


def test_a_broken_template_override_fails_config_check_by_name(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("INCIDENT_BOT_")}
    (tmp_path / "templates" / "messages").mkdir(parents=True)
    (tmp_path / "templates" / "messages" / "announcement.json.j2").write_text(
        '{"text": "{{ i.title }}", "blocks": []}'  # no | j: a quote in a title breaks the JSON
    )
    (tmp_path / "policy.yml").write_text("templates_dir: templates\n")
    result = run_cli(["config", "check", "policy.yml"], env, tmp_path)
    assert result.returncode == 2 and result.stdout == ""
    line = one_line(result, "templates/messages/announcement.json.j2: did not render valid JSON")
    assert "| j" in line
    # fixed, it passes and says what it checked
    (tmp_path / "templates" / "messages" / "announcement.json.j2").write_text(
        '{"text": {{ (i.ref ~ " " ~ (i.title | mrkdwn(150))) | j }}}'
    )
    fixed = run_cli(["config", "check", "policy.yml"], env, tmp_path)
    assert fixed.returncode == 0, fixed.stderr
    assert "every template renders with sample data" in fixed.stdout
    assert "#   overrides: messages/announcement.json.j2" in fixed.stdout


def test_in_a_bot_directory_the_reading_commands_find_its_database(
    standin: SlackStandIn, tmp_path: Path
) -> None:
    env = bot_env(standin, "sqlite:///unused.db")
    del env["DATABASE_URL"]  # the default: incident-bot.db in the working directory
    upgraded = run_cli(["db", "upgrade"], env, tmp_path)
    assert upgraded.returncode == 0 and str(tmp_path / "incident-bot.db") in upgraded.stdout, upgraded
    outbox = run_cli(["outbox"], env, tmp_path)
    assert outbox.returncode == 0 and "The outbox is empty" in outbox.stdout, outbox
    one_line(run_cli(["export", "INC-2026-0001"], env, tmp_path), "no incident INC-2026-0001")
