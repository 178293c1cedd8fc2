"""Lane heads: each lane's oldest pending effect, kept in ``outbox_heads`` so that a claim reads
one row per lane however long the lane is (``bot.outbox.store`` claims from them).

Every transaction that makes an effect pending or not pending says which lane it changed
(``changed``); just before it commits, those lanes' heads move. ``repair_heads`` finds heads
that a replica of an earlier release left behind; ``forget_idle_heads`` drops those of lanes
that owe nothing.
"""

from __future__ import annotations

import functools
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.db.dialect import dialect_of, insert_for
from bot.db.engine import before_commit, transaction
from bot.db.models import PENDING, OutboxEffect, OutboxHead

# Lanes whose pending effects the transaction changed: their heads move before it commits.
_LANES = "outbox.lanes"


def changed(session: Session, lane: str) -> None:
    """The lane's pending effects changed in this transaction (one owed, one finished): its head
    moves before the transaction commits."""
    lanes = session.info.setdefault(_LANES, set())
    lanes.add(lane)
    before_commit(session, _LANES, _move_heads)


def _move_heads(session: Session) -> None:
    """Each changed lane's head becomes its oldest pending effect. The lanes' head rows are locked
    first (in one statement, in lane order, so two changes never wait on each other); the heads are
    then read in a statement of their own, which sees every change committed before the locks were
    granted: whichever of two concurrent changes commits last sets the head from both. (Rows owed
    inside ``store.together`` are written by then: its block ends before the transaction does.)"""
    lanes = sorted(session.info.pop(_LANES, ()))
    if not lanes:
        return
    session.execute(_lock_heads(dialect_of(session)), [{"lane": lane} for lane in lanes])
    session.execute(_head_statement(), {"lanes": lanes})


@functools.cache
def _lock_heads(dialect: str) -> Any:
    heads = OutboxHead.__table__
    statement = insert_for(dialect, heads)
    return statement.on_conflict_do_update(index_elements=["lane"], set_={"lane": statement.excluded.lane})


@functools.cache
def _head_statement() -> Any:
    """On the tables, not the mapped classes: every change runs it, and the ORM's bulk update path
    cost more than the statement (a tenth of a declare)."""
    heads = cast(Table, OutboxHead.__table__)
    head, row = heads.c, cast(Table, OutboxEffect.__table__).c
    oldest = select(func.min(row.id)).where(row.lane == head.lane, row.state == PENDING).scalar_subquery()
    return update(heads).where(head.lane.in_(bindparam("lanes", expanding=True))).values(effect_id=oldest)


def repair_heads(sessions: sessionmaker[Session]) -> list[str]:
    """Lanes whose head is not their oldest pending effect, their heads moved; returns them. None
    should be: every change moves its lanes' heads. But a replica of the previous release, running
    beside this one during a rolling deploy, owes and delivers without them."""
    row, head = OutboxEffect, OutboxHead
    oldest = (
        select(row.lane, func.min(row.id).label("first"))
        .where(row.state == PENDING)
        .group_by(row.lane)
        .subquery()
    )
    behind = (
        select(oldest.c.lane)
        .outerjoin(head, head.lane == oldest.c.lane)
        .where(or_(head.effect_id.is_(None), head.effect_id != oldest.c.first))
        .order_by(oldest.c.lane)
    )
    with sessions() as session:
        lanes = list(session.scalars(behind))
    if lanes:
        with transaction(sessions) as session:
            for lane in lanes:
                changed(session, lane)
    return lanes


def forget_idle_heads(session: Session, batch: int = 500) -> int:
    """Forget up to ``batch`` heads of lanes that owe nothing (an incident's channel lane, once it is
    over): the next effect owed in one makes its head again. Returns how many went."""
    idle = select(OutboxHead.lane).where(OutboxHead.effect_id.is_(None)).limit(batch)
    lanes = list(session.scalars(idle))
    if lanes:  # (a change moving one of them meanwhile holds its row: its head is not idle then)
        session.execute(delete(OutboxHead).where(OutboxHead.lane.in_(lanes), OutboxHead.effect_id.is_(None)))
    return len(lanes)
