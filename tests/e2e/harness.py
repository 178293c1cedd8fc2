"""Start the real bot as a subprocess (exactly as ``incident-bot run``) against the Slack stand-in."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from playground.records import Call
from playground.sender import Reply, SignedSender
from playground.server import SlackStandIn

SIGNING_SECRET = "e2e-signing-secret"
YEAR = datetime.now(UTC).year  # the bot numbers incidents by the real year
EXECUTABLE = Path(sys.executable).with_name("incident-bot")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def bot_env(standin: SlackStandIn, database_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "INCIDENT_BOT_"))}
    env.update(
        SLACK_BOT_TOKEN=standin.config.bot_token,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=standin.api_url,
        DATABASE_URL=database_url,
        SCHEDULER_TICK="0.5",
        SLACK_RETRY_AFTER="2",
        DELIVERY_LEASE="3",  # a killed bot's effects are taken over within 3 s
        SLACK_CHANNEL_PACE="0",  # pacing has its own test; timing tests measure the scheduler
        LOG_LEVEL="INFO",
    )
    env.update(extra)
    return env


@dataclass
class RunningBot:
    process: subprocess.Popen[bytes]
    url: str
    log_path: Path
    log_file: IO[bytes]
    sender: SignedSender = field(init=False)

    def __post_init__(self) -> None:
        self.sender = SignedSender(self.url, SIGNING_SECRET)

    def log(self) -> str:
        if not self.log_file.closed:
            self.log_file.flush()
        return self.log_path.read_text(errors="replace")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.log_file.close()
        return self.process.returncode


def start_bot(tmp_path: Path, env: dict[str, str], wait_for: str = "http", timeout: float = 30) -> RunningBot:
    """Start ``incident-bot run``; wait until /healthz answers (HTTP) or the socket connects."""
    port = env.setdefault("PORT", str(free_port()))
    log_path = tmp_path / f"bot-{port}.log"
    log_file = log_path.open("wb")
    process = subprocess.Popen(
        [str(EXECUTABLE), "run"], env=env, cwd=tmp_path, stdout=log_file, stderr=subprocess.STDOUT
    )
    bot = RunningBot(process, f"http://127.0.0.1:{port}", log_path, log_file)
    if wait_for == "http":
        _wait_healthy(bot, timeout)
    return bot


def _wait_healthy(bot: RunningBot, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if bot.process.poll() is not None:
            raise AssertionError(f"the bot exited with {bot.process.returncode}:\n{bot.log()}")
        try:
            with urllib.request.urlopen(f"{bot.url}/healthz", timeout=1) as reply:
                if reply.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"the bot did not become healthy in {timeout}s:\n{bot.log()}")


def run_cli(
    args: list[str], env: dict[str, str], cwd: Path, timeout: float = 30
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(EXECUTABLE), *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def answer(reply: Reply) -> dict[str, Any]:
    """What the bot answered in the acknowledgement of a slash command (an ephemeral message)."""
    assert reply.status == 200, reply.body
    assert isinstance(reply.json, dict) and reply.json.get("text"), f"no answer in the ack: {reply.body!r}"
    return reply.json


def known_channel(standin: SlackStandIn, name_or_id: str) -> dict[str, Any]:
    """The stand-in's snapshot of a channel that must exist."""
    found = standin.channel(name_or_id)
    assert found is not None, f"no channel {name_or_id!r} in the stand-in"
    return found


def opened_by(payload: Mapping[str, Any]) -> Callable[[Call], bool]:
    """A ``wait_for`` predicate: the ``views.open`` call made with this payload's ``trigger_id``."""
    return lambda c: c.args.get("trigger_id") == payload["trigger_id"]


def state(view_values: dict[str, Any]) -> dict[str, Any]:
    """``state.values`` for a modal from {block_id: value}: str for text, ("select", v), ("checks", [..])."""
    values: dict[str, Any] = {}
    for block_id, value in view_values.items():
        element: dict[str, Any]
        if isinstance(value, tuple) and value[0] == "select":
            element = {"type": "static_select", "selected_option": {"value": value[1]} if value[1] else None}
        elif isinstance(value, tuple) and value[0] == "checks":
            element = {"type": "checkboxes", "selected_options": [{"value": v} for v in value[1]]}
        else:
            element = {"type": "plain_text_input", "value": value}
        values[block_id] = {"value": element}
    return values


def until(check: Callable[[], Any], timeout: float = 20, what: str = "") -> Any:
    """What ``check`` returns once it is truthy, asking every 50 ms; AssertionError after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what or check}")
