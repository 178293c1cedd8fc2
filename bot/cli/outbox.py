"""``incident-bot outbox``: the effects not delivered yet, and those refused for good."""

from __future__ import annotations

import argparse
from typing import Any

from sqlalchemy import update

from bot.app.startup import open_engine, require_database
from bot.clock import utcnow
from bot.config.settings import load_settings
from bot.db.engine import make_session_factory, transaction
from bot.db.models import Incident, OutboxEffect
from bot.durations import humanize_duration
from bot.incidents.owed import KINDS
from bot.outbox import store as outbox


def add_outbox_parser(sub: Any) -> None:
    listing = sub.add_parser(
        "outbox", help="effects not delivered yet or refused for good, with their last error"
    )
    listing.add_argument("--retry", type=int, metavar="ID", help="owe a failed effect again (after a fix)")


def cmd_outbox(args: argparse.Namespace) -> int:
    settings = load_settings()
    require_database(settings.database_url)
    engine = open_engine(settings.database_url)
    sessions = make_session_factory(engine)
    try:
        if args.retry is not None:
            return _retry(sessions, args.retry)
        now = utcnow()
        with sessions() as session:
            rows = outbox.undelivered(session)
            refs = {
                i.id: i.ref
                for i in session.query(Incident).filter(Incident.id.in_({r.incident_id for r in rows}))
            }
            backlog = outbox.backlog(session)
        if not rows:
            print("The outbox is empty: every effect has been delivered.")
            return 0
        print(f"{backlog.pending} pending, {backlog.failed} failed")
        for row in rows:
            age = humanize_duration(now - row.created_at)
            print(
                f"#{row.id} {row.state:<7} {refs.get(row.incident_id or 0, '-'):<14} {row.kind:<14} "
                f"{_target(row)}  attempts {row.attempts}, owed {age} ago"
            )
            print(f"    key: {row.key}")
            if row.last_error:
                print(f"    last error: {row.last_error}")
            if row.kind not in KINDS:
                print("    waiting for a bot that knows this kind (a newer release owed it)")
        return 0
    finally:
        engine.dispose()


def _target(row: OutboxEffect) -> str:
    place = str((row.payload or {}).get("place") or row.lane)
    return {"incident": "the incident channel", "announcements": "the announcement channel"}.get(place, place)


def _retry(sessions: Any, effect_id: int) -> int:
    with transaction(sessions) as session:
        changed = session.execute(
            update(OutboxEffect)
            .where(OutboxEffect.id == effect_id, OutboxEffect.state == outbox.FAILED)
            .values(state=outbox.PENDING, attempts=0, not_before=utcnow())
        ).rowcount  # type: ignore[attr-defined]
    if not changed:
        print(f"incident-bot: there is no failed effect #{effect_id} (see incident-bot outbox)")
        return 1
    print(f"effect #{effect_id} is owed again; a running bot delivers it within a tick")
    return 0
