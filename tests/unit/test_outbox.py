"""The outbox: one effect per key, claimed in order per lane, paced, leased, in doubt until known."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, func, insert, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from bot.db.engine import before_commit, transaction
from bot.db.models import DELIVERED, PENDING, OutboxEffect, OutboxHead
from bot.outbox import heads, upkeep
from bot.outbox import store as outbox

NOW = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
LEASE = timedelta(seconds=30)
PACE = timedelta(seconds=1)
# The kinds these tests owe, as a replica's adapters would declare them.
KNOWN = outbox.Known(
    kinds=frozenset({"post", "edit", "invite", "pin", "topic", "tell"}),
    paced=frozenset({"post"}),
    creating=frozenset({"post"}),
)


def owe(sessions: sessionmaker[Session], key: str, lane: str = "channel:a", kind: str = "post") -> None:
    with transaction(sessions) as session:
        outbox.owe(session, key=key, kind=kind, lane=lane, now=NOW, payload={"n": key})


def test_one_effect_per_key_and_order_within_a_lane(sessions: sessionmaker[Session]) -> None:
    owe(sessions, "a1")
    owe(sessions, "a1")  # a retried request owes nothing more
    owe(sessions, "a2")
    owe(sessions, "b1", lane="channel:b")
    first = outbox.claim(sessions, NOW, LEASE, KNOWN)
    second = outbox.claim(sessions, NOW, LEASE, KNOWN)
    assert first is not None and second is not None
    assert (first.key, second.key) == ("a1", "b1")  # a2 waits for a1: order per lane
    assert outbox.claim(sessions, NOW, LEASE, KNOWN) is None
    outbox.delivered(sessions, first, NOW, {"ts": "1"}, PACE)
    assert (
        outbox.claim(sessions, NOW, LEASE, KNOWN) is None
    )  # a2 is a post: the lane's pace holds it a second
    later = outbox.claim(sessions, NOW + PACE, LEASE, KNOWN)
    assert later is not None and later.key == "a2"
    with sessions() as session:
        assert upkeep.backlog(session).pending == 2


def test_a_crashed_claim_comes_back_in_doubt_after_its_lease(sessions: sessionmaker[Session]) -> None:
    owe(sessions, "post")
    first = outbox.claim(sessions, NOW, LEASE, KNOWN)
    assert first is not None and not first.in_doubt
    assert outbox.claim(sessions, NOW + LEASE / 2, LEASE, KNOWN) is None  # still held
    outbox.renew(sessions, [first], NOW + LEASE + LEASE / 2)  # the keeper renews what is worked on
    assert outbox.claim(sessions, NOW + LEASE + timedelta(seconds=1), LEASE, KNOWN) is None
    again = outbox.claim(sessions, NOW + 2 * LEASE + timedelta(seconds=1), LEASE, KNOWN)  # the worker died
    assert again is not None and again.in_doubt and again.attempts == 2
    # the dead worker's late record changes nothing: its claim is not the current one
    outbox.delivered(sessions, first, NOW, {"ts": "stale"}, PACE)
    with sessions() as session:
        assert upkeep.backlog(session).pending == 1


def test_a_doubt_is_cleared_only_by_a_delivery_or_a_refusal(sessions: sessionmaker[Session]) -> None:
    owe(sessions, "post")
    first = outbox.claim(sessions, NOW, LEASE, KNOWN)
    assert first is not None
    outbox.retry(sessions, first, NOW, "connection dropped", in_doubt=True)
    looking = outbox.claim(sessions, NOW, LEASE, KNOWN)
    assert looking is not None and looking.in_doubt
    outbox.retry(sessions, looking, NOW, "ratelimited (the lookup)", in_doubt=False)
    third = outbox.claim(sessions, NOW, LEASE, KNOWN)
    assert third is not None and third.in_doubt  # still: look before sending
    outbox.failed(sessions, third, "channel_not_found")
    assert outbox.claim(sessions, NOW, LEASE, KNOWN) is None
    with sessions() as session:
        [row] = upkeep.undelivered(session)
        assert (row.state, row.in_doubt, row.last_error) == ("failed", False, "channel_not_found")


def test_a_failed_effect_frees_its_lane(sessions: sessionmaker[Session]) -> None:
    owe(sessions, "stuck", kind="invite")
    owe(sessions, "next", kind="invite")
    stuck = outbox.claim(sessions, NOW, LEASE, KNOWN)
    assert stuck is not None and stuck.key == "stuck"
    outbox.failed(sessions, stuck, "cant_invite")
    following = outbox.claim(sessions, NOW, LEASE, KNOWN)
    assert following is not None and following.key == "next"


def test_edits_collapse_into_one_send_of_the_newest_state(sessions: sessionmaker[Session]) -> None:
    def rearm(at: datetime) -> None:
        with transaction(sessions) as session:
            outbox.rearm(session, key="edit", kind="edit", lane="channel:a", now=at, payload={})

    rearm(NOW)
    rearm(NOW)
    sending = outbox.claim(sessions, NOW, LEASE, KNOWN)
    assert sending is not None
    rearm(NOW)  # the state changed while the edit was in flight
    outbox.delivered(sessions, sending, NOW, {}, PACE)
    again = outbox.claim(sessions, NOW, LEASE, KNOWN)
    assert again is not None and again.key == "edit" and again.version > sending.version  # one more
    outbox.delivered(sessions, again, NOW, {}, PACE)
    assert outbox.claim(sessions, NOW, LEASE, KNOWN) is None
    rearm(NOW + timedelta(minutes=1))  # a finished edit is owed again on the next change
    assert outbox.claim(sessions, NOW + timedelta(minutes=1), LEASE, KNOWN) is not None


def test_an_edit_a_post_already_showed_is_finished_unless_owed_again(sessions: sessionmaker[Session]) -> None:
    def rearm() -> None:
        with transaction(sessions) as session:
            outbox.rearm(session, key="edit", kind="edit", lane="channel:a", now=NOW, payload={})

    def shown(read: outbox.Owed) -> None:
        with transaction(sessions) as session:
            outbox.shown(session, read, NOW, "posted showing it")

    rearm()
    with sessions() as session:
        read = outbox.pending(session, "edit")
    assert read is not None
    rearm()  # a change after the post was rendered: it is owed again
    shown(read)
    again = outbox.claim(sessions, NOW, LEASE, KNOWN)
    assert again is not None and again.key == "edit"  # still sent
    outbox.delivered(sessions, again, NOW, {}, PACE)
    rearm()
    with sessions() as session:
        read = outbox.pending(session, "edit")
    assert read is not None
    shown(read)  # nothing changed since the read: nothing left to send
    assert outbox.claim(sessions, NOW, LEASE, KNOWN) is None
    with sessions() as session:
        assert outbox.pending(session, "edit") is None


def test_a_batch_claim_takes_one_head_per_lane_oldest_first(sessions: sessionmaker[Session]) -> None:
    for lane in ("a", "b", "c"):
        for n in range(3):
            owe(sessions, f"{lane}{n}", lane=f"channel:{lane}", kind="invite")
    batch = outbox.claim_batch(sessions, NOW, LEASE, KNOWN, 10)
    assert [c.key for c in batch] == ["a0", "b0", "c0"]  # a lane's second effect waits for its first
    assert len({c.token for c in batch}) == 3
    assert outbox.claim_batch(sessions, NOW, LEASE, KNOWN, 10) == []  # all three lanes are held
    for claimed in batch[:2]:
        outbox.delivered(sessions, claimed, NOW, {}, PACE)
    assert [c.key for c in outbox.claim_batch(sessions, NOW, LEASE, KNOWN, 1)] == ["a1"]  # at most 1
    assert [c.key for c in outbox.claim_batch(sessions, NOW, LEASE, KNOWN, 10)] == ["b1"]


def test_deliveries_recorded_together_each_with_what_it_made(sessions: sessionmaker[Session]) -> None:
    for lane in ("a", "b", "c"):
        owe(sessions, f"{lane}0", lane=f"channel:{lane}")
        owe(sessions, f"{lane}1", lane=f"channel:{lane}")
    a, b, c = outbox.claim_batch(sessions, NOW, LEASE, KNOWN, 10)
    later = NOW + 2 * LEASE
    lost = outbox.claim(sessions, later, LEASE, KNOWN)  # the leases ran out: the oldest head taken again
    assert lost is not None and lost.key == "a0"
    made: list[str] = []

    def remember(key: str) -> outbox.Also:
        return lambda session: made.append(key)

    outbox.delivered_all(
        sessions,
        [outbox.Delivered(one, {"ts": one.key}, NOW, remember(one.key)) for one in (a, b, c)],
        PACE,
    )
    assert made == ["a0", "b0", "c0"]  # written in the same transaction as the record
    with sessions() as session:
        state = {key: state for key, state in session.execute(select(OutboxEffect.key, OutboxEffect.state))}
    # a0's claim was lost: its new holder records it; b0 and c0 are recorded, their lanes move on
    assert state == {
        "a0": PENDING, "a1": PENDING, "b0": DELIVERED, "b1": PENDING, "c0": DELIVERED, "c1": PENDING
    }  # fmt: skip
    assert [one.key for one in outbox.claim_batch(sessions, later, LEASE, KNOWN, 10)] == ["b1", "c1"]


def two_claimed(engine: Engine, sessions: sessionmaker[Session]) -> list[outbox.Claimed]:
    """Two effects in two lanes, claimed (a0, b0); PostgreSQL only: these tests hold row locks."""
    if engine.dialect.name != "postgresql":
        pytest.skip("row locks are PostgreSQL's (SQLite takes one writer at a time)")
    owe(sessions, "a0", lane="channel:a")
    owe(sessions, "b0", lane="channel:b")
    return outbox.claim_batch(sessions, NOW, LEASE, KNOWN, 10)


def test_a_batch_of_deliveries_does_not_wait_for_a_row_a_change_holds(
    engine: Engine, sessions: sessionmaker[Session]
) -> None:
    """A change owing an edit again holds its row and may then want a row the batch holds: the batch
    gives up at once (on PostgreSQL) rather than wait into a deadlock; recorded alone, each lands."""
    a, b = two_claimed(engine, sessions)
    with sessions() as holder, holder.begin():
        holder.execute(select(OutboxEffect.id).where(OutboxEffect.key == "b0").with_for_update())
        started = time.monotonic()
        with pytest.raises(OperationalError):
            outbox.delivered_all(sessions, [outbox.Delivered(one, {}, NOW) for one in (a, b)], PACE)
        assert time.monotonic() - started < 1.5  # not the 2 s a change waits (nor a deadlock's 1 s)
        outbox.delivered(sessions, a, NOW, {}, PACE)  # alone, what nobody holds is recorded
    outbox.delivered(sessions, b, NOW, {}, PACE)
    with sessions() as session:
        assert set(session.scalars(select(OutboxEffect.state))) == {DELIVERED}


def test_renewing_leases_skips_a_row_a_change_holds(engine: Engine, sessions: sessionmaker[Session]) -> None:
    a, b = two_claimed(engine, sessions)
    with sessions() as holder, holder.begin():
        holder.execute(select(OutboxEffect.id).where(OutboxEffect.key == "b0").with_for_update())
        started = time.monotonic()
        outbox.renew(sessions, [a, b], NOW + 2 * LEASE)
        assert time.monotonic() - started < 1  # not waiting for the change (nor deadlocking with it)
    with sessions() as session:
        until = {e.key: e.claimed_until for e in session.scalars(select(OutboxEffect))}
    assert until == {"a0": NOW + 2 * LEASE, "b0": NOW + LEASE}  # b0 is renewed next time


@pytest.mark.parametrize("batch", [1, 7])
def test_concurrent_claimers_never_share_an_effect(sessions: sessionmaker[Session], batch: int) -> None:
    for n in range(60):
        owe(sessions, f"e{n}", lane=f"channel:{n}", kind="invite")
    got: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(3)

    def claimer() -> None:
        barrier.wait()
        while claimed := outbox.claim_batch(sessions, NOW, LEASE, KNOWN, batch):
            with lock:
                got.extend(c.key for c in claimed)

    threads = [threading.Thread(target=claimer) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(got) == sorted(f"e{n}" for n in range(60))


def test_when_the_next_effect_may_go(sessions: sessionmaker[Session]) -> None:
    assert outbox.next_ready_at(sessions, NOW, KNOWN) is None
    owe(sessions, "p1")
    owe(sessions, "p2")
    first = outbox.claim(sessions, NOW, LEASE, KNOWN)
    assert first is not None
    outbox.delivered(sessions, first, NOW, {}, PACE)
    assert outbox.next_ready_at(sessions, NOW, KNOWN) == NOW + PACE  # p2 waits for the lane's pace
    owe(sessions, "d1", lane="person:U1", kind="tell")  # not paced: ready now
    assert outbox.next_ready_at(sessions, NOW, KNOWN) == NOW
    held = outbox.claim(sessions, NOW, LEASE, KNOWN)
    assert held is not None and held.key == "d1"
    assert outbox.next_ready_at(sessions, NOW, KNOWN) == NOW + PACE  # d1 is held for its lease; p2 paced
    outbox.retry(sessions, held, NOW + timedelta(seconds=5), "ratelimited", in_doubt=False)
    second = outbox.claim(sessions, NOW + PACE, LEASE, KNOWN)
    assert second is not None and second.key == "p2"
    assert outbox.next_ready_at(sessions, NOW + PACE, KNOWN) == NOW + timedelta(seconds=5)  # d1's back-off


def test_effects_owed_together_are_written_in_order_around_an_edit(sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as session, outbox.together(session):
        for key in ("t1", "t2"):
            outbox.owe(session, key=key, kind="pin", lane="channel:t", now=NOW)
        outbox.rearm(session, key="t3", kind="topic", lane="channel:t", now=NOW)
        outbox.owe(session, key="t2", kind="pin", lane="channel:t", now=NOW)  # owed already: nothing
        outbox.owe(session, key="t4", kind="pin", lane="channel:t", now=NOW)
    order = []
    while (claimed := outbox.claim(sessions, NOW, LEASE, KNOWN)) is not None:
        order.append(claimed.key)
        outbox.delivered(sessions, claimed, NOW, {}, PACE)
    assert order == ["t1", "t2", "t3", "t4"]
    try:
        with transaction(sessions) as session, outbox.together(session):
            outbox.owe(session, key="lost", kind="pin", lane="channel:t", now=NOW)
            raise RuntimeError("the change failed")
    except RuntimeError:
        pass
    with sessions() as session:
        assert upkeep.backlog(session).pending == 0  # a failed change owes nothing


def test_after_a_restore_what_is_owed_is_looked_for_first(sessions: sessionmaker[Session]) -> None:
    owe(sessions, "sent", lane="channel:a")
    owe(sessions, "owed", lane="channel:b")
    sent = outbox.claim(sessions, NOW, LEASE, KNOWN)
    assert sent is not None and sent.key == "sent"
    outbox.delivered(sessions, sent, NOW, {"ts": "1"}, PACE)
    with transaction(sessions) as session:
        assert upkeep.restored(session) == 1  # only what is still owed
    owed = outbox.claim(sessions, NOW, LEASE, KNOWN)
    assert owed is not None and owed.key == "owed" and owed.in_doubt


def heads_hold(sessions: sessionmaker[Session]) -> None:
    """Every lane's head is its oldest pending effect (NULL when none is pending)."""
    with sessions() as session:
        oldest = dict(
            session.execute(
                select(OutboxEffect.lane, func.min(OutboxEffect.id))
                .where(OutboxEffect.state == PENDING)
                .group_by(OutboxEffect.lane)
            ).all()
        )
        heads = {lane: head for lane, head in session.execute(select(OutboxHead.lane, OutboxHead.effect_id))}
    assert {lane: head for lane, head in heads.items() if head is not None} == oldest


def test_a_lanes_head_is_its_oldest_pending_effect_through_every_change(
    sessions: sessionmaker[Session],
) -> None:
    owe(sessions, "a1", kind="invite")
    owe(sessions, "a2", kind="invite")
    owe(sessions, "a3", kind="invite")
    heads_hold(sessions)
    first = outbox.claim(sessions, NOW, LEASE, KNOWN)
    assert first is not None and first.key == "a1"
    outbox.delivered(sessions, first, NOW, {}, PACE)
    heads_hold(sessions)
    second = outbox.claim(sessions, NOW, LEASE, KNOWN)
    assert second is not None and second.key == "a2"
    outbox.failed(sessions, second, "cant_invite")
    heads_hold(sessions)
    with transaction(sessions) as session:  # a finished edit owed again goes before what waits
        outbox.rearm(session, key="a1", kind="invite", lane="channel:a", now=NOW)
    heads_hold(sessions)
    again = outbox.claim(sessions, NOW, LEASE, KNOWN)
    assert again is not None and again.key == "a1"
    with transaction(sessions) as session:
        read = outbox.pending(session, "a3")
        assert read is not None
        outbox.shown(session, read, NOW, "shown by a later post")
    heads_hold(sessions)
    try:
        with transaction(sessions) as session:
            outbox.owe(session, key="lost", kind="invite", lane="channel:b", now=NOW)
            raise RuntimeError("the change failed")
    except RuntimeError:
        pass
    heads_hold(sessions)
    outbox.delivered(sessions, again, NOW, {}, PACE)
    heads_hold(sessions)
    assert outbox.claim(sessions, NOW, LEASE, KNOWN) is None


def test_a_head_finished_while_the_next_effect_is_owed_moves_to_it(sessions: sessionmaker[Session]) -> None:
    """A change owes the lane's next effect while its head is being finished: whichever commits last
    sets the head from both, so the lane never waits behind a head that is gone (on PostgreSQL the
    finishing transaction waits for the lane's lock, then reads what the change committed)."""
    owe(sessions, "first", kind="invite")
    first = outbox.claim(sessions, NOW, LEASE, KNOWN)
    assert first is not None
    heads_moved, go_on = threading.Event(), threading.Event()

    def pause(_: Session) -> None:
        heads_moved.set()
        go_on.wait(10)

    def change() -> None:
        with transaction(sessions) as session:
            outbox.owe(session, key="next", kind="invite", lane="channel:a", now=NOW)
            before_commit(session, "pause", pause)  # after the heads moved, holding their lock

    owing = threading.Thread(target=change)
    owing.start()
    assert heads_moved.wait(10)
    finishing = threading.Thread(target=outbox.delivered, args=(sessions, first, NOW, {}, PACE))
    finishing.start()
    finishing.join(0.5)  # it waits for the change (for its lock, or SQLite's one writer)
    go_on.set()
    owing.join(10)
    finishing.join(10)
    heads_hold(sessions)
    following = outbox.claim(sessions, NOW, LEASE, KNOWN)
    assert following is not None and following.key == "next"


def test_an_effect_owed_again_keeps_its_lane_and_its_lanes_head_moves(
    sessions: sessionmaker[Session],
) -> None:
    def rearm(lane: str) -> None:
        with transaction(sessions) as session:
            outbox.rearm(session, key="edit", kind="edit", lane=lane, now=NOW)

    rearm("channel:a")
    sent = outbox.claim(sessions, NOW, LEASE, KNOWN)
    assert sent is not None
    outbox.delivered(sessions, sent, NOW, {}, PACE)
    rearm("channel:b")  # owed again from elsewhere: it still goes in the lane it was first owed in
    heads_hold(sessions)
    again = outbox.claim(sessions, NOW, LEASE, KNOWN)
    assert again is not None and (again.key, again.lane) == ("edit", "channel:a")


def test_heads_left_behind_by_a_release_that_knew_none_are_repaired(sessions: sessionmaker[Session]) -> None:
    """During a rolling deploy the previous release owes and delivers without moving heads."""
    owe(sessions, "a1", kind="invite")
    owe(sessions, "a2", kind="invite")
    with transaction(sessions) as session:  # as the previous release: a1 delivered, b1 owed
        session.execute(update(OutboxEffect).where(OutboxEffect.key == "a1").values(state=DELIVERED))
        values = {"key": "b1", "kind": "invite", "lane": "channel:b", "payload": {}, "state": PENDING}
        session.execute(insert(OutboxEffect).values(**values, created_at=NOW, not_before=NOW))
    assert outbox.claim(sessions, NOW, LEASE, KNOWN) is None  # both lanes wait behind stale heads
    assert heads.repair_heads(sessions) == ["channel:a", "channel:b"]
    heads_hold(sessions)
    assert sorted(c.key for c in outbox.claim_batch(sessions, NOW, LEASE, KNOWN, 10)) == ["a2", "b1"]
    assert heads.repair_heads(sessions) == []  # nothing behind: nothing moved
