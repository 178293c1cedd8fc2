"""The outbox store: every effect a committed change owes an outside system, until it is delivered.

A change writes its effects in its own transaction (``owe``, ``rearm``), so what is acknowledged
is saved together with everything it owes Slack. Delivery then claims effects in batches
(``claim_batch``), each the oldest pending effect of its lane (a channel, a person's DMs, a pager)
whose earlier effects are all done, so a lane goes out in commit order; a paced kind waits for its
lane's pace. A replica claims only the kinds it has an adapter for (``bot.outbox.adapters``): a
lane whose head is of a kind it does not know waits for a replica that knows it.
A claim is a lease (``claimed_until``) that its worker renews; a worker that dies loses only its
lease, and the effect is claimed again, marked in doubt so the next worker looks for it in Slack
before sending it again.
"""

from __future__ import annotations

import functools
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import (
    Table,
    and_,
    bindparam,
    case,
    exists,
    func,
    or_,
    select,
    text,
    type_coerce,
    update,
)
from sqlalchemy.orm import Session, aliased, sessionmaker

from bot.db.dialect import dialect_of, insert_for
from bot.db.engine import transaction
from bot.db.models import DELIVERED, FAILED, PENDING, OutboxEffect, OutboxHead, OutboxLane
from bot.db.types import UTCDateTime
from bot.outbox.heads import changed

# Set on a session that owed something: the app wakes its delivery workers after the commit.
OWED = "outbox.owed"
# Rows owed inside ``together``, not written yet.
_BATCH = "outbox.batch"
# Milliseconds a batch of deliveries being recorded waits for a row another transaction holds.
BATCH_LOCK_WAIT = 200
# More to write in the transaction that records an attempt's outcome.
Also = Callable[[Session], None]


@dataclass(frozen=True)
class Claimed:
    id: int
    key: str
    kind: str
    lane: str
    incident_id: int | None
    payload: dict[str, Any]
    actor: str | None
    created_at: datetime
    attempts: int  # counting this one
    in_doubt: bool  # an earlier attempt may have reached Slack without its outcome being recorded
    version: int
    token: str
    paced: bool = False  # a kind paced per lane: its delivery takes the lane's next slot


def owe(
    session: Session,
    *,
    key: str,
    kind: str,
    lane: str,
    now: datetime,
    incident_id: int | None = None,
    actor: str | None = None,
    payload: dict[str, Any] | None = None,
) -> None:
    """Owe an effect once: the same key again (a retried request) adds nothing."""
    row = _row(key, kind, lane, now, incident_id, actor, payload)
    batch = session.info.get(_BATCH)
    if batch is not None:
        batch.append(row)
    else:
        session.execute(_owe_statement(dialect_of(session)), row)
    session.info[OWED] = True
    changed(session, lane)


@contextmanager
def together(session: Session) -> Iterator[None]:
    """Effects owed in the block are written in one statement at its end (or before anything else
    touches the outbox), in the order they were owed. A change owing many effects saves round trips."""
    session.info[_BATCH] = []
    try:
        yield
        write_owed(session)
    finally:
        session.info.pop(_BATCH, None)


def write_owed(session: Session) -> None:
    """Write what was owed inside ``together`` so far (before reading or changing the outbox)."""
    rows = session.info.get(_BATCH)
    if rows:
        session.execute(_owe_statement(dialect_of(session)), list(rows))
        rows.clear()


def rearm(
    session: Session,
    *,
    key: str,
    kind: str,
    lane: str,
    now: datetime,
    incident_id: int | None = None,
    payload: dict[str, Any] | None = None,
    delay: timedelta = timedelta(0),
) -> None:
    """Owe an effect that shows the latest state (an edit, a topic) again: one row per key, pending
    again with its version bumped. Repeats collapse into one send of the newest state; ``delay``
    lets a burst of changes collapse into one send (a finished effect is owed again after it)."""
    values = {**_row(key, kind, lane, now, incident_id, None, payload), "not_before": now + delay}
    write_owed(session)  # what was owed before comes before it in its lane
    owed_in = session.execute(_rearm_statement(dialect_of(session)), values).scalar_one()
    session.info[OWED] = True
    changed(session, owed_in)


@functools.cache
def _owe_statement(dialect: str) -> Any:
    """Built once: a change owes many effects, and building the statement costs more than running it."""
    return insert_for(dialect, OutboxEffect.__table__).on_conflict_do_nothing(index_elements=["key"])


@functools.cache
def _rearm_statement(dialect: str) -> Any:
    table = cast(Table, OutboxEffect.__table__)
    statement = insert_for(dialect, table)
    return statement.on_conflict_do_update(
        index_elements=["key"],
        set_={
            "version": table.c.version + 1,
            "payload": statement.excluded.payload,
            # a pending one keeps its place and any back-off; a finished one is owed again from now
            "not_before": case(
                (table.c.state == PENDING, table.c.not_before), else_=statement.excluded.not_before
            ),
            "attempts": case((table.c.state == PENDING, table.c.attempts), else_=0),
            "state": PENDING,
        },
    ).returning(table.c.lane)  # the lane it was first owed in: its place stays there


def _row(
    key: str,
    kind: str,
    lane: str,
    now: datetime,
    incident_id: int | None,
    actor: str | None,
    payload: dict[str, Any] | None,
) -> dict[str, Any]:
    return {
        "key": key,
        "kind": kind,
        "lane": lane,
        "incident_id": incident_id,
        "actor": actor,
        "payload": payload or {},
        "created_at": now,
        "not_before": now,
        "state": PENDING,
        "version": 0,
        "attempts": 0,
        "in_doubt": False,
    }


def _heads(known: Known) -> Any:
    """Pending effects at the head of their lane, read from the lanes' heads. While a kind is held,
    the effect after a held head may go too (a pin waiting for a scope does not hold back the posts
    after it): then heads are found by looking at the lanes' pending effects instead, which costs
    more with long lanes, and only lasts as long as the hold."""
    row = OutboxEffect
    if known.held:
        earlier = aliased(OutboxEffect)
        blocked = exists().where(
            earlier.lane == row.lane,
            earlier.state == PENDING,
            earlier.id < row.id,
            earlier.kind.not_in(sorted(known.held)),
        )
        found = select(row).where(row.state == PENDING, ~blocked)
    else:
        # an IN rather than a join: the planners then start from the heads, not from the effects
        heads = select(OutboxHead.effect_id).where(OutboxHead.effect_id.is_not(None))
        found = select(row).where(row.id.in_(heads), row.state == PENDING)
    return found.outerjoin(OutboxLane, OutboxLane.lane == row.lane)


@dataclass(frozen=True)
class Known:
    """The kinds a replica can deliver (from its adapters): which it may claim, which are paced,
    which create something that must be looked for before a retry."""

    kinds: frozenset[str]
    paced: frozenset[str] = frozenset()
    creating: frozenset[str] = frozenset()
    # on hold (``bot.outbox.holds``): claimed by nobody, and not in the way of what follows them
    held: frozenset[str] = frozenset()


@functools.cache
def _ready(known: Known) -> Any:
    """Heads of a known kind whose time (the ``now`` parameter) has come and who nobody holds,
    oldest first, at most ``n`` (one per lane: a lane's head is its only deliverable effect).
    Built once per set of kinds: only ``now`` and ``n`` change."""
    row, now = OutboxEffect, bindparam("now", type_=UTCDateTime())
    return (
        _heads(known)
        .where(
            row.kind.in_(sorted(known.kinds)),
            row.not_before <= now,
            or_(row.claimed_until.is_(None), row.claimed_until < now),
            or_(
                row.kind.not_in(sorted(known.paced)),
                OutboxLane.next_post_at.is_(None),
                OutboxLane.next_post_at <= now,
            ),
        )
        .order_by(row.not_before, row.id)
        .limit(bindparam("n"))
    )


@functools.cache
def _claim_statement(known: Known) -> Any:
    return _ready(known).with_for_update(skip_locked=True, of=OutboxEffect)


def claim(sessions: sessionmaker[Session], now: datetime, lease: timedelta, known: Known) -> Claimed | None:
    """Claim the next deliverable effect of a kind in ``known``, or None."""
    claimed = claim_batch(sessions, now, lease, known, 1)
    return claimed[0] if claimed else None


def claim_batch(
    sessions: sessionmaker[Session], now: datetime, lease: timedelta, known: Known, limit: int
) -> list[Claimed]:
    """Claim up to ``limit`` deliverable effects of kinds in ``known``, oldest first, each the head of
    its own lane, in one transaction. One indexed read when nothing is ready (it takes no write
    lock: an idle replica never stands in a change's way)."""
    with sessions() as session:
        if session.execute(_ready(known), {"now": now, "n": 1}).first() is None:
            return []
    with transaction(sessions) as session:
        rows = session.scalars(_claim_statement(known), {"now": now, "n": limit}).all()
        claimed = []
        for row in rows:
            mine = Claimed(
                id=row.id,
                key=row.key,
                kind=row.kind,
                lane=row.lane,
                incident_id=row.incident_id,
                payload=dict(row.payload or {}),
                actor=row.actor,
                created_at=row.created_at,
                attempts=row.attempts + 1,
                in_doubt=row.in_doubt,
                version=row.version,
                token=secrets.token_hex(8),
                paced=row.kind in known.paced,
            )
            row.claimed_until = now + lease
            row.claim_token = mine.token
            row.attempts = mine.attempts
            row.in_doubt = row.in_doubt or row.kind in known.creating  # until this attempt's outcome is known
            claimed.append(mine)
        return claimed


def renew(sessions: sessionmaker[Session], held: list[Claimed], until: datetime) -> None:
    """Extend the leases of effects still being worked on. A row another transaction holds (a
    change owing it again) is skipped, not waited for: waiting while holding the others could
    deadlock with that change. Its lease is renewed next time, long before it runs out."""
    if not held:
        return
    ours = or_(*(and_(OutboxEffect.id == c.id, OutboxEffect.claim_token == c.token) for c in held))
    free = select(OutboxEffect.id).where(ours).with_for_update(skip_locked=True)
    with transaction(sessions) as session:
        session.execute(
            update(OutboxEffect)
            .where(OutboxEffect.id.in_(free))
            .values(claimed_until=until)
            .execution_options(synchronize_session=False)
        )


def _mine(claimed: Claimed) -> tuple[Any, ...]:
    return (OutboxEffect.id == claimed.id, OutboxEffect.claim_token == claimed.token)


def _released() -> dict[str, Any]:
    return {"claimed_until": None, "claim_token": None}


@dataclass(frozen=True)
class Owed:
    """A pending effect as it was read: its version tells whether it was owed again since."""

    id: int
    version: int
    lane: str


def pending(session: Session, key: str) -> Owed | None:
    """The pending effect with this key, if any."""
    query = select(OutboxEffect.id, OutboxEffect.version, OutboxEffect.lane)
    row = session.execute(query.where(OutboxEffect.key == key, OutboxEffect.state == PENDING)).first()
    return None if row is None else Owed(row.id, row.version, row.lane)


def shown(session: Session, owed: Owed, now: datetime, why: str) -> None:
    """Finish an edit whose state a later send already showed, unless it was owed again since (a
    newer change that send did not show) or somebody holds it."""
    session.execute(
        update(OutboxEffect)
        .where(
            OutboxEffect.id == owed.id,
            OutboxEffect.version == owed.version,
            OutboxEffect.state == PENDING,
            OutboxEffect.claimed_until.is_(None),
        )
        .values(state=DELIVERED, delivered_at=now, result={"skipped": why})
    )
    changed(session, owed.lane)


def delivered(
    sessions: sessionmaker[Session],
    claimed: Claimed,
    now: datetime,
    result: dict[str, Any] | None,
    pace: timedelta,
    also: Also | None = None,
) -> None:
    """Record the effect as delivered (and, a paced kind, the lane's next slot), and ``also`` with
    it. If it was owed again while in flight (a newer state to show), it stays pending for one more
    send."""
    delivered_all(sessions, [Delivered(claimed, result, now, also)], pace)


@dataclass(frozen=True)
class Delivered:
    """One delivery to record: when it was made, its result, and what to write with it."""

    claimed: Claimed
    result: dict[str, Any] | None
    at: datetime
    also: Also | None = None


def delivered_all(
    sessions: sessionmaker[Session],
    done: list[Delivered],
    pace: timedelta,
) -> None:
    """``delivered`` for many effects (each with when it was delivered), in one transaction: a
    burst's posts cost one commit, not one each. One whose claim was lost meanwhile is left to
    whoever holds it now. On PostgreSQL a batch waits at most ``BATCH_LOCK_WAIT`` for a row another
    transaction holds (a change owing an effect again may in turn wait for one the batch holds),
    then raises: the caller records them one by one instead."""
    with transaction(sessions) as session:
        if len(done) > 1 and dialect_of(session) == "postgresql":
            session.execute(text(f"SET LOCAL lock_timeout = {BATCH_LOCK_WAIT}"))
        for one in done:
            if one.also is not None:
                one.also(session)
            _delivered(session, one.claimed, one.at, one.result, pace)


def _delivered(
    session: Session, claimed: Claimed, now: datetime, result: dict[str, Any] | None, pace: timedelta
) -> None:
    mine = {"e_id": claimed.id, "e_token": claimed.token, "e_result": result}
    done = session.execute(_delivered_statement(), {**mine, "e_version": claimed.version, "e_at": now})
    if done.rowcount:  # type: ignore[attr-defined]
        changed(session, claimed.lane)
    else:  # owed again meanwhile (a newer version): what this send made is kept, the row stays owed
        session.execute(_sent_statement(), mine)
    if claimed.paced and pace > timedelta(0):
        slot = {"lane": claimed.lane, "next_post_at": now + pace}
        session.execute(_pace_statement(dialect_of(session)), slot)


# Built once, run with parameters: a burst records hundreds of deliveries, and building a
# statement costs more than running it.
@functools.cache
def _delivered_statement() -> Any:
    table = cast(Table, OutboxEffect.__table__)
    return (
        update(table)
        .where(*_mine_params(), table.c.version == bindparam("e_version"))
        .values(
            state=DELIVERED,
            result=bindparam("e_result", type_=table.c.result.type),
            delivered_at=bindparam("e_at", type_=table.c.delivered_at.type),
            in_doubt=False,
            last_error=None,
            **_released(),
        )
    )


@functools.cache
def _sent_statement() -> Any:
    table = cast(Table, OutboxEffect.__table__)
    return (
        update(table)
        .where(*_mine_params())
        .values(result=bindparam("e_result", type_=table.c.result.type), in_doubt=False, **_released())
    )


def _mine_params() -> tuple[Any, ...]:
    table = cast(Table, OutboxEffect.__table__)
    return (table.c.id == bindparam("e_id"), table.c.claim_token == bindparam("e_token"))


@functools.cache
def _pace_statement(dialect: str) -> Any:
    statement = insert_for(dialect, OutboxLane.__table__)
    return statement.on_conflict_do_update(
        index_elements=["lane"], set_={"next_post_at": statement.excluded.next_post_at}
    )


def retry(
    sessions: sessionmaker[Session],
    claimed: Claimed,
    at: datetime,
    error: str,
    in_doubt: bool,
    also: Also | None = None,
) -> None:
    """Not delivered this time: try again at ``at``. ``in_doubt``: this attempt may have reached
    Slack. A doubt from an earlier attempt stays (say a lookup before re-sending was rate limited):
    only a recorded delivery or a refusal clears it. ``also`` is written in the same transaction
    (the report that it is late: both or neither)."""
    in_doubt = in_doubt or claimed.in_doubt
    _settle(sessions, claimed, {"not_before": at, "in_doubt": in_doubt, "last_error": error}, also)


def hold(sessions: sessionmaker[Session], claimed: Claimed, at: datetime, reason: str) -> None:
    """Not this effect's turn (the other side refuses the bot itself, or this version cannot render
    it): try again at ``at``, the attempt not counted."""
    with transaction(sessions) as session:
        session.execute(
            update(OutboxEffect)
            .where(*_mine(claimed))
            .values(
                not_before=at,
                attempts=claimed.attempts - 1,
                # nothing was sent: only an earlier attempt's doubt remains
                in_doubt=claimed.in_doubt,
                last_error=reason,
                **_released(),
            )
        )


def failed(sessions: sessionmaker[Session], claimed: Claimed, error: str, also: Also | None = None) -> None:
    """Slack refused it for good (and the bot could not fix it): kept, with the error, for reports.
    ``also`` is written in the same transaction (the report that it failed: both or neither, so a
    crash between them cannot leave a failure nobody was told of)."""
    _settle(sessions, claimed, {"state": FAILED, "in_doubt": False, "last_error": error}, also)


class _NotMine(Exception):
    """The claim was lost meanwhile (its lease ran out and another worker took it)."""


def _settle(
    sessions: sessionmaker[Session], claimed: Claimed, values: dict[str, Any], also: Also | None
) -> None:
    """Record an attempt's outcome on the claimed effect, and ``also`` with it. ``also`` goes first:
    it locks the incident row, as every change does before it touches the outbox, so this never
    waits on a change that waits on it (a deadlock)."""
    try:
        with transaction(sessions) as session:
            if also is not None:
                also(session)
            mine = update(OutboxEffect).where(*_mine(claimed))
            done = session.execute(mine.values(**values, **_released()))
            if also is not None and not int(getattr(done, "rowcount", 0) or 0):
                raise _NotMine  # rolls the report back with it
            if "state" in values:
                changed(session, claimed.lane)
    except _NotMine:
        pass


def next_ready_at(sessions: sessionmaker[Session], now: datetime, known: Known) -> datetime | None:
    """When the earliest pending effect of a known kind may become deliverable (None: none is
    pending)."""
    with sessions() as session:
        soonest: datetime | None = session.scalar(_soonest(known))
        return soonest


@functools.cache
def _soonest(known: Known) -> Any:
    """The earliest time any lane head of a known kind may go: the latest of its own time, its
    lease and (a paced kind) its lane's pace."""
    row = OutboxEffect

    def later(a: Any, b: Any) -> Any:
        return case((b.is_not(None) & (b > a), b), else_=a)

    own = later(row.not_before, row.claimed_until)
    at = case((row.kind.in_(sorted(known.paced)), later(own, OutboxLane.next_post_at)), else_=own)
    heads = _heads(known).where(row.kind.in_(sorted(known.kinds)))
    return heads.with_only_columns(type_coerce(func.min(at), UTCDateTime()))
