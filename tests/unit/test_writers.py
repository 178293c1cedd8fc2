"""The SQLite writers' queue: in arrival order, requests before background work, which still ages in."""

from __future__ import annotations

import threading
import time

import pytest

from bot.db import writers
from bot.db.writers import WriterBusy, WriterQueue


def queue_up(
    queue: WriterQueue, order: list[str], name: str, in_background: bool = False
) -> threading.Thread:
    """Start a thread that takes the lock, notes its name, lets go; return once it is queued."""

    def take() -> None:
        if in_background:
            with writers.background(), queue.held(5):
                order.append(name)
        else:
            with queue.held(5):
                order.append(name)

    before = queue.waiting
    thread = threading.Thread(target=take)
    thread.start()
    deadline = time.monotonic() + 5
    while queue.waiting == before and time.monotonic() < deadline:
        time.sleep(0.001)
    assert queue.waiting == before + 1
    return thread


def test_requests_go_in_arrival_order_before_background_work() -> None:
    queue = WriterQueue()
    order: list[str] = []
    queue.acquire(1)
    threads = [
        queue_up(queue, order, "tick", in_background=True),
        queue_up(queue, order, "first request"),
        queue_up(queue, order, "second request"),
    ]
    queue.release()
    for thread in threads:
        thread.join(5)
    assert order == ["first request", "second request", "tick"]


def test_background_work_that_waited_long_enough_goes_next(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(writers, "AGE", 0.0)
    queue = WriterQueue()
    order: list[str] = []
    queue.acquire(1)
    threads = [queue_up(queue, order, "delivery", in_background=True), queue_up(queue, order, "request")]
    queue.release()
    for thread in threads:
        thread.join(5)
    assert order == ["delivery", "request"]


def test_the_holder_may_take_it_again_and_a_timed_out_waiter_leaves_the_line() -> None:
    queue = WriterQueue()
    with queue.held(1), queue.held(1):  # re-entrant
        failed: list[BaseException] = []

        def wait_briefly() -> None:
            try:
                queue.acquire(0.05)
            except WriterBusy as exc:
                failed.append(exc)

        waiter = threading.Thread(target=wait_briefly)
        waiter.start()
        waiter.join(5)
        assert len(failed) == 1 and queue.waiting == 0
    taken = threading.Event()

    def take_and_note() -> None:
        queue.acquire(1)
        taken.set()

    other = threading.Thread(target=take_and_note)
    other.start()
    other.join(5)
    assert taken.is_set()  # released fully: free for the next
