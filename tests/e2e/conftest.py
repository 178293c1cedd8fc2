from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from playground.server import SlackStandIn
from tests.e2e.harness import RunningBot, bot_env, start_bot


@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    with SlackStandIn() as server:
        yield server


@pytest.fixture
def bot(standin: SlackStandIn, database_url: str, tmp_path: Path) -> Iterator[RunningBot]:
    running = start_bot(tmp_path, bot_env(standin, database_url))
    yield running
    code = running.stop()
    assert code == 0, f"the bot did not stop cleanly ({code}):\n{running.log()}"
    assert "Traceback" not in running.log(), running.log()
