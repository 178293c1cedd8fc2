"""What a listener leaves for after its acknowledgement goes to the after-ack threads once the
listener has returned, and only when it left something (nothing is copied or queued otherwise)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Executor, Future
from datetime import UTC, datetime
from typing import Any

import pytest
from slack_bolt import Ack, BoltContext
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from handlers import then_after
from handlers.common import then
from tests.slack_contexts import slack_context

NOW = datetime(2026, 12, 5, 15, 0, tzinfo=UTC)


class Queued(Executor):
    """Keeps what is submitted, to run when the test says."""

    def __init__(self) -> None:
        self.work: list[tuple[Callable[..., Any], tuple[Any, ...]]] = []

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        self.work.append((fn, args))
        return Future()


def test_only_what_a_listener_left_is_queued_after_it_returned(
    engine: Engine, sessions: sessionmaker[Session], caplog: pytest.LogCaptureFixture
) -> None:
    threads = Queued()
    context = BoltContext({"bot": slack_context(engine, sessions, NOW, after_ack=threads)})
    acked: list[str] = []

    def answers(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        ack()

    def leaves_a_form(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        then(context, form="no such form")
        ack()
        assert not threads.work, "nothing runs before the listener has returned"

    body = {"type": "block_actions", "trigger_id": "T1"}
    then_after(answers)(lambda: acked.append("answers"), body, context)  # type: ignore[arg-type]
    assert acked == ["answers"] and threads.work == []

    then_after(leaves_a_form)(lambda: acked.append("form"), body, context)  # type: ignore[arg-type]
    assert acked == ["answers", "form"] and len(threads.work) == 1
    run, args = threads.work[0]
    assert args == (body, context)
    # a failure there is logged, not lost in a future nobody reads
    with caplog.at_level(logging.ERROR):
        run(*args)
    assert "what the acknowledgement of block_actions left to do failed" in caplog.text
