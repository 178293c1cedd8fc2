"""``incident-bot report``: the incident history of a period as Markdown (with PNG charts), CSV,
JSON, or RCA records. Registered in ``bot/cli/main.py``."""

from __future__ import annotations

import argparse
import re
import sys
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from bot.app.startup import require_database
from bot.config.settings import load_settings

FORMATS = ("md", "csv", "json", "rca")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class ReportError(Exception):
    """A one-line problem with the command; ``code`` 2 for bad arguments, 1 for the rest."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


def add_report_parser(sub: Any) -> None:
    report = sub.add_parser(
        "report", help="the incidents of a period: Markdown with charts, CSV, JSON or RCA records"
    )
    report.add_argument("--since", required=True, help="first day, YYYY-MM-DD (the policy's time zone)")
    report.add_argument("--until", help="last day, YYYY-MM-DD (default: today)")
    report.add_argument("--format", choices=FORMATS, default="md", help="md (default), csv, json or rca")
    report.add_argument("--include-drills", action="store_true", help="count drill incidents too")
    report.add_argument("--include-private", action="store_true", help="include private incidents")
    report.add_argument(
        "--output", type=Path, help="write to this file (md: the charts go next to it as PNG files)"
    )


def parse_day(option: str, text: str) -> date:
    if _DAY.match(text.strip()):
        try:
            return date.fromisoformat(text.strip())
        except ValueError:
            pass
    raise ReportError(f"{option} {text} is not a date: write it as YYYY-MM-DD, e.g. 2026-11-01", 2)


def cmd_report(args: argparse.Namespace) -> int:
    try:
        return _report(args)
    except ReportError as exc:
        print(f"incident-bot: {exc}", file=sys.stderr)
        return exc.code


def _report(args: argparse.Namespace) -> int:
    from sqlalchemy.exc import DBAPIError

    from bot.clock import utcnow
    from bot.config.policy import load_policy
    from bot.db.engine import make_engine, make_session_factory

    settings = load_settings()
    policy = load_policy(settings.incident_bot_config)
    now = utcnow()
    first = parse_day("--since", args.since)
    last = parse_day("--until", args.until) if args.until else now.astimezone(policy.tz).date()
    if last < first:
        raise ReportError(f"--until {last.isoformat()} is before --since {first.isoformat()}", 2)
    if args.output is not None and not args.output.parent.is_dir():
        raise ReportError(f"--output {args.output}: the folder {args.output.parent} does not exist", 2)
    require_database(settings.database_url)
    since = datetime.combine(first, time(), tzinfo=policy.tz)
    until = min(datetime.combine(last + timedelta(days=1), time(), tzinfo=policy.tz), now)
    engine = make_engine(settings.database_url)
    try:
        from bot.insights.report import Request, build

        request = Request(
            args.format, since, until, args.include_drills, args.include_private, args.output, last
        )
        with make_session_factory(engine)() as session:
            outputs = build(session, policy, request, now)
    except DBAPIError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        raise ReportError(
            f"cannot read the incidents ({reason}); if the bot was upgraded, run `incident-bot db upgrade`"
        ) from None
    finally:
        engine.dispose()
    if args.output is None:
        sys.stdout.write(outputs.text)
        return 0
    try:
        args.output.write_text(outputs.text, encoding="utf-8")
    except OSError as exc:
        raise ReportError(f"cannot write {args.output}: {exc.strerror or exc}") from None
    print("wrote " + ", ".join(str(p) for p in [args.output, *outputs.files]))
    return 0
