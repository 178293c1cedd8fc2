"""Holds: an outside system that refuses the bot itself (Slack revoked its token) or lacks a
permission for one kind of effect (a scope the app was not given). Nothing is marked failed and no
attempt is spent: the held kinds are not claimed by any replica (the hold is in the database) until
the adapter's probe finds the system accepts the bot again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.db.dialect import upsert_insert
from bot.db.engine import transaction
from bot.db.models import OutboxHold

RATE_LIMITED = "ratelimited"


@dataclass(frozen=True)
class Hold:
    adapter: str  # the adapter's name
    kind: str | None  # one kind of effect; None: every kind of the adapter
    reason: str  # the system's own words: invalid_auth, missing_scope
    detail: str | None  # what would lift it, for a person: "add the pins:write scope"
    since: datetime
    probe_at: datetime
    probes: int = 0

    @property
    def scope(self) -> str:
        return f"{self.adapter}:{self.kind or '*'}"

    @property
    def timed(self) -> bool:
        """A rate limit: it ends at ``probe_at`` by itself, nothing to ask the system."""
        return self.reason.startswith(RATE_LIMITED)


def _hold(row: OutboxHold) -> Hold:
    return Hold(row.adapter, row.kind, row.reason, row.detail, row.since, row.probe_at, row.probes)


def start(sessions: sessionmaker[Session], hold: Hold) -> bool:
    """Hold the adapter (or one of its kinds); False when it was held already (by this replica or
    another), so whoever started it says so, once."""
    with transaction(sessions) as session:
        statement = upsert_insert(session, OutboxHold.__table__).values(
            scope=hold.scope,
            adapter=hold.adapter,
            kind=hold.kind,
            reason=hold.reason,
            detail=hold.detail,
            since=hold.since,
            probe_at=hold.probe_at,
            probes=0,
        )
        # RETURNING says whether the row was added (an insert's rowcount does not, on every driver)
        added = statement.on_conflict_do_nothing(index_elements=["scope"]).returning(OutboxHold.scope)
        return session.execute(added).first() is not None


def active(session: Session) -> list[Hold]:
    return [_hold(row) for row in session.scalars(select(OutboxHold).order_by(OutboxHold.since))]


def holding(session: Session, adapter: str, kind: str) -> Hold | None:
    """The hold on this kind or on its whole adapter, if one is on (read now: another replica may
    have started it since this one last looked)."""
    scopes = [f"{adapter}:{kind}", f"{adapter}:*"]
    row = session.scalars(select(OutboxHold).where(OutboxHold.scope.in_(scopes))).first()
    return None if row is None else _hold(row)


def take_probe(sessions: sessionmaker[Session], hold: Hold, now: datetime, backoff: timedelta) -> bool:
    """This replica probes a hold that is due (no other does the same probe)."""
    with transaction(sessions) as session:
        taken = session.execute(
            update(OutboxHold)
            .where(OutboxHold.scope == hold.scope, OutboxHold.probe_at == hold.probe_at)
            .values(probe_at=now + backoff, probes=OutboxHold.probes + 1)
        ).rowcount  # type: ignore[attr-defined]
        return bool(taken)


def lift(sessions: sessionmaker[Session], hold: Hold) -> bool:
    with transaction(sessions) as session:
        gone = session.execute(delete(OutboxHold).where(OutboxHold.scope == hold.scope)).rowcount  # type: ignore[attr-defined]
        return bool(gone)


def probe_soon(sessions: sessionmaker[Session], now: datetime) -> None:
    """A replica starts (perhaps with a new token): every hold is probed at once."""
    with transaction(sessions) as session:
        session.execute(update(OutboxHold).values(probe_at=now))
