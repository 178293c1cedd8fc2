"""``incident-bot outbox``: the effects not delivered yet, and those refused for good."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from sqlalchemy import update

from bot.app.startup import open_engine, require_database
from bot.clock import utcnow
from bot.config.settings import load_settings
from bot.db.engine import make_session_factory, transaction
from bot.db.models import FAILED, PENDING, Incident, OutboxEffect
from bot.durations import humanize_duration
from bot.incidents import queries
from bot.incidents.owed import KINDS
from bot.outbox import heads, holds, upkeep
from bot.outbox.holds import Hold


def add_outbox_parser(sub: Any) -> None:
    listing = sub.add_parser(
        "outbox", help="effects not delivered yet or refused for good, with their last error"
    )
    listing.add_argument("--retry", type=int, metavar="ID", help="owe a failed effect again (after a fix)")
    listing.add_argument(
        "--retry-failed", action="store_true", help="owe every failed effect again, in their original order"
    )
    listing.add_argument("--incident", metavar="INC-…", help="with --retry-failed: only this incident's")
    listing.add_argument(
        "--restored",
        action="store_true",
        help="after restoring a backup: look for what is owed before making it again (never twice)",
    )


def cmd_outbox(args: argparse.Namespace) -> int:
    settings = load_settings()
    require_database(settings.database_url)
    engine = open_engine(settings.database_url)
    sessions = make_session_factory(engine)
    try:
        if args.retry is not None:
            return _retry(sessions, args.retry)
        if args.retry_failed:
            return _retry_failed(sessions, args.incident)
        if args.restored:
            with transaction(sessions) as session:
                marked = upkeep.restored(session)
            print(f"{marked} effects owed are in doubt: each is looked for before it is made again.")
            return 0
        if args.incident:
            print("incident-bot: --incident goes with --retry-failed", file=sys.stderr)
            return 2
        now = utcnow()
        with sessions() as session:
            rows = upkeep.undelivered(session)
            refs = {
                i.id: i.ref
                for i in session.query(Incident).filter(Incident.id.in_({r.incident_id for r in rows}))
            }
            backlog = upkeep.backlog(session)
            held = holds.active(session)
        for hold in held:
            print(_held(hold, now))
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


def _held(hold: Hold, now: Any) -> str:
    what = {"slack": "Slack", "pager": "The pager"}.get(hold.adapter, hold.adapter)
    which = f"the bot's {hold.kind} effects" if hold.kind else "the bot"
    since = humanize_duration(now - hold.since)
    needs = (
        f"; it needs the {hold.detail} scope: add it to manifest.yml and reinstall the app"
        if hold.detail
        else ""
    )
    return (
        f"HELD: {what} refuses {which} ({hold.reason}) since {since} ago{needs}. Nothing is lost: they "
        "wait, and go out by themselves once it accepts them again (a restart with a new token works too)."
    )


def _target(row: OutboxEffect) -> str:
    place = str((row.payload or {}).get("place") or row.lane)
    return {"incident": "the incident channel", "announcements": "the announcement channel"}.get(place, place)


def _retry(sessions: Any, effect_id: int) -> int:
    with transaction(sessions) as session:
        lanes = session.scalars(
            update(OutboxEffect)
            .where(OutboxEffect.id == effect_id, OutboxEffect.state == FAILED)
            .values(state=PENDING, attempts=0, not_before=utcnow())
            .returning(OutboxEffect.lane)
        ).all()
        for lane in lanes:
            heads.changed(session, lane)
    if not lanes:
        print(f"incident-bot: there is no failed effect #{effect_id} (see incident-bot outbox)")
        return 1
    print(f"effect #{effect_id} is owed again; a running bot delivers it within a tick")
    return 0


def _retry_failed(sessions: Any, incident_ref: str | None) -> int:
    """Every failed effect (of one incident) owed again; their ids keep their original order."""
    with transaction(sessions) as session:
        query = update(OutboxEffect).where(OutboxEffect.state == FAILED)
        if incident_ref:
            incident = queries.by_ref(session, incident_ref)
            if incident is None:
                print(f"incident-bot: no incident {incident_ref} (like INC-2026-0007)", file=sys.stderr)
                return 1
            query = query.where(OutboxEffect.incident_id == incident.id)
        lanes = session.scalars(
            query.values(state=PENDING, attempts=0, not_before=utcnow(), last_error=None).returning(
                OutboxEffect.lane
            )
        ).all()
        for lane in set(lanes):
            heads.changed(session, lane)
    changed = len(lanes)
    where = f" of {incident_ref}" if incident_ref else ""
    print(
        f"{changed} failed effect(s){where} owed again, in their original order; a running bot delivers them"
    )
    return 0
