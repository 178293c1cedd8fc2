"""Bounded tables: delivered effects and the record of alert deliveries are forgotten after the
retention, by one replica at a time, in batches; what is owed or failed, and incidents, stay."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.config.policy import Policy
from bot.config.settings import Settings
from bot.db.engine import transaction
from bot.db.models import AlertDelivery, OutboxEffect, OutboxHead
from bot.outbox import store as outbox
from bot.outbox.store import Known
from bot.rendering import Renderer
from bot.runtime.context import Context
from schedules import retention

NOW = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
KNOWN = Known(kinds=frozenset({"pin"}), paced=frozenset(), creating=frozenset())


def context(engine: Engine, sessions: sessionmaker[Session], now: datetime) -> Context:
    settings = Settings(_env_file=None, outbox_retention="30d")
    return Context(
        settings=settings,
        policy=Policy(),
        engine=engine,
        sessions=sessions,
        render=Renderer(),
        clock=lambda: now,
    )


def deliver_all(sessions: sessionmaker[Session], at: datetime) -> None:
    while (claimed := outbox.claim(sessions, at, timedelta(seconds=30), KNOWN)) is not None:
        outbox.delivered(sessions, claimed, at, {"ok": True}, timedelta(0))


def rows(sessions: sessionmaker[Session]) -> dict[str, int]:
    with sessions() as session:
        query = select(OutboxEffect.state, func.count(OutboxEffect.id)).group_by(OutboxEffect.state)
        return {str(state): int(n) for state, n in session.execute(query).all()}


def test_what_was_delivered_long_ago_is_forgotten_and_nothing_else(
    engine: Engine, sessions: sessionmaker[Session]
) -> None:
    with transaction(sessions) as session:
        for n in range(600):  # more than a batch
            outbox.owe(session, key=f"old-{n}", kind="pin", lane=f"channel:{n % 7}", now=NOW)
        session.add(AlertDelivery(key="pd:old", received_at=NOW))
    deliver_all(sessions, NOW)
    later = NOW + timedelta(days=20)
    with transaction(sessions) as session:
        outbox.owe(session, key="recent", kind="pin", lane="channel:r", now=later)
        session.add(AlertDelivery(key="pd:recent", received_at=later))
    deliver_all(sessions, later)
    with transaction(sessions) as session:
        outbox.owe(session, key="owed", kind="pin", lane="channel:o", now=NOW)  # old, and still owed
    assert rows(sessions) == {"delivered": 601, "pending": 1}

    # not yet: only the heads of the 8 lanes that owe nothing go (they are not history)
    assert retention.forget_old(context(engine, sessions, NOW + timedelta(days=29))) == 8
    assert rows(sessions) == {"delivered": 601, "pending": 1}
    gone = retention.forget_old(context(engine, sessions, NOW + timedelta(days=31)))
    assert gone == 601 and rows(sessions) == {
        "delivered": 1,
        "pending": 1,
    }  # the recent one and the owed stay
    with sessions() as session:
        assert list(session.execute(select(OutboxHead.lane, OutboxHead.effect_id))) == [
            ("channel:o", session.scalar(select(OutboxEffect.id).where(OutboxEffect.key == "owed")))
        ]
    with transaction(sessions) as session:  # a lane whose head went owes again: its head comes back
        outbox.owe(session, key="again", kind="pin", lane="channel:r", now=NOW + timedelta(days=31))
    deliver_all(sessions, NOW + timedelta(days=31))
    assert rows(sessions) == {"delivered": 3}  # the new one, and the one owed all along
    with sessions() as session:
        assert list(session.scalars(select(AlertDelivery.key))) == ["pd:recent"]
    # one replica a turn: another asking within ten minutes does nothing
    assert retention.forget_old(context(engine, sessions, NOW + timedelta(days=31, minutes=5))) == 0
