"""``incident-bot``: run the bot, upgrade the database, check a policy file."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from bot.app.startup import StartupError
from bot.cli.backup import add_backup_parser, cmd_backup
from bot.cli.drill import add_drill_parser, cmd_drill
from bot.cli.outbox import add_outbox_parser, cmd_outbox
from bot.cli.report import add_report_parser, cmd_report
from bot.config.escalation import describe, empty_targets
from bot.config.policy import Policy, PolicyError, dump_policy, load_policy
from bot.config.settings import Settings, SettingsError, load_settings


def _policy(settings: Settings) -> Policy:
    return load_policy(settings.incident_bot_config)


def cmd_run(_args: argparse.Namespace) -> int:
    from bot.app.startup import run

    settings = load_settings()
    settings.require_slack()
    run(settings, _policy(settings))
    return 0


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from bot.app.startup import missing_database, prepare_database, where

    settings = load_settings()
    url = settings.database_url
    if args.dry_run:
        return _dry_run(url, where(url), missing_database(url))
    prepared = prepare_database(url)
    if prepared.copy is not None:
        print(f"copied the database to {prepared.copy.resolve()} before migrating it")
    print(f"database is up to date ({where(url)})")
    warning = prepared.warning()
    if warning:
        print(f"incident-bot: warning: {warning}", file=sys.stderr)
    return 0


def _dry_run(url: str, shown: str, missing: str | None) -> int:
    """List the migrations ``db upgrade`` would apply; change nothing (not even create a file)."""
    from bot.app.startup import open_engine
    from bot.db.migrate import alembic_config, pending

    if missing:
        from alembic.script import ScriptDirectory

        steps = list(ScriptDirectory.from_config(alembic_config(url)).walk_revisions())[::-1]
        print(f"no database at {missing} yet: db upgrade would create it with {len(steps)} migrations")
        for step in steps:
            print(f"  {step.revision}  {(step.doc or '').strip().splitlines()[0]}")
        return 0
    from alembic.script.revision import RevisionError

    from bot.app.startup import StartupError

    open_engine(url).dispose()
    try:
        state = pending(url)
    except RevisionError as exc:
        raise StartupError(
            f"DATABASE_URL: {shown} ({exc}); was it migrated by a newer incident-bot?"
        ) from None
    if not state.migrations:
        print(f"database is up to date ({shown}, schema {state.current}); nothing to apply")
        return 0
    now = state.current or "empty"
    print(f"{shown} is at schema {now}; db upgrade would apply {len(state.migrations)} migration(s):")
    for revision, doc in state.migrations:
        print(f"  {revision}  {doc.splitlines()[0] if doc else ''}")
    if url.startswith("sqlite"):
        print("(it copies the database file next to it first)")
    return 0


def cmd_config_check(args: argparse.Namespace) -> int:
    from bot.cli.template_check import check_templates, overrides

    path = args.file or os.environ.get("INCIDENT_BOT_CONFIG") or None
    policy = load_policy(Path(path) if path else None)
    problems = check_templates(policy)
    for problem in problems:
        print(f"incident-bot: {problem}", file=sys.stderr)
    if problems:
        return 2
    source = path or "built-in defaults"
    print(f"# {source}: valid. The effective policy:")
    print(dump_policy(policy), end="")
    print("\n# The escalation timeline of each severity (counted from the declaration):")
    for line in describe(policy.escalation, policy.severity_keys).splitlines():
        print(f"#   {line}")
    empty = empty_targets(policy.escalation)
    if empty:
        print(f"#   empty, skipped: {', '.join(empty)} (nobody in them: fill in escalation.targets)")
    missing = _pagerduty_targets(policy)
    for unknown in missing:
        print(f"incident-bot: {unknown}", file=sys.stderr)
    if missing:
        return 2
    if policy.templates_dir is not None:
        names = overrides(policy.templates_dir) or ["none"]
        print(f"\n# templates_dir {policy.templates_dir}: every template renders with sample data.")
        print(f"#   overrides: {', '.join(names)}")
    return 0


def _pagerduty_targets(policy: Policy) -> list[str]:
    """List the targets that ask PagerDuty who is on call; with PAGERDUTY_API_TOKEN, check that each
    schedule or escalation policy exists. Returns the problems found."""
    from bot.integrations import http
    from bot.integrations.pagerduty.client import PagerDuty

    asking = {name: t for name, t in policy.escalation.targets.items() if t.oncall}
    if not asking:
        return []
    settings = load_settings()
    client = (
        PagerDuty(settings.pagerduty_api_url, settings.pagerduty_api_token)
        if settings.pagerduty_api_token
        else None
    )
    print(
        "# On call from PagerDuty"
        + ("" if client else " (PAGERDUTY_API_TOKEN is not set: not checked)")
        + ":"
    )
    problems = []
    for name, target in asking.items():
        kind, what, object_id = (
            ("schedules", "schedule", target.pagerduty_schedule)
            if target.pagerduty_schedule
            else ("escalation_policies", "escalation policy", target.pagerduty_escalation_policy)
        )
        level = f", level {target.level}" if target.level else ""
        said = "not checked"
        if client is not None and object_id:
            try:
                said = "found" if client.exists(kind, object_id) else "NOT FOUND"
            except http.Refused as refused:
                said = f"could not check ({refused})"
            if said == "NOT FOUND":
                problems.append(f"escalation.targets.{name}: PagerDuty has no {what} {object_id}")
        print(f"#   {name}: {what} {object_id}{level} ({said})")
    return problems


def cmd_export(args: argparse.Namespace) -> int:
    import json

    from bot.app.startup import open_engine, require_database
    from bot.clock import utcnow
    from bot.db.engine import make_session_factory
    from bot.incidents import queries
    from bot.insights import postmortem
    from bot.rendering import Renderer

    settings = load_settings()
    policy = _policy(settings)
    require_database(settings.database_url)
    engine = open_engine(settings.database_url)
    try:
        with make_session_factory(engine)() as session:
            incident = queries.by_ref(session, args.incident)
            if incident is None:
                print(f"incident-bot: no incident {args.incident} (like INC-2026-0007)", file=sys.stderr)
                return 1
            if incident.is_private and not args.include_private:
                print(
                    f"incident-bot: {args.incident} is private; add --include-private to export it",
                    file=sys.stderr,
                )
                return 1
            data = postmortem.document(session, policy, incident, utcnow())
    finally:
        engine.dispose()
    if args.json:
        print(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        print(postmortem.markdown(Renderer(policy.templates_dir), data), end="")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from playground.demo import DemoOptions, run

    return run(DemoOptions(port=args.port, speed=args.speed, policy=args.policy))


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("incident-bot")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "(not installed)"


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="incident-bot", description="A Slack incident-response bot.")
    top.add_argument("--version", action="version", version=f"incident-bot {_version()}")
    sub = top.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="upgrade the database, then serve (Socket Mode if SLACK_APP_TOKEN is set)")
    db_upgrade = (
        sub.add_parser("db", help="database commands")
        .add_subparsers(dest="db", required=True)
        .add_parser("upgrade", help="apply the database migrations (a SQLite file is copied first)")
    )
    db_upgrade.add_argument(
        "--dry-run", action="store_true", help="list the migrations it would apply, and apply none"
    )
    config = sub.add_parser("config", help="policy file commands").add_subparsers(
        dest="config", required=True
    )
    check = config.add_parser("check", help="validate a policy file and print the effective policy")
    check.add_argument("file", nargs="?", help="the policy file (default: $INCIDENT_BOT_CONFIG)")
    export = sub.add_parser("export", help="write an incident's postmortem (Markdown, or --json) to stdout")
    export.add_argument("incident", help="the incident id, e.g. INC-2026-0007")
    export.add_argument("--json", action="store_true", help="the postmortem data as JSON instead of Markdown")
    export.add_argument("--include-private", action="store_true", help="allow exporting a private incident")
    add_report_parser(sub)
    add_outbox_parser(sub)
    add_drill_parser(sub)
    add_backup_parser(sub)
    demo = sub.add_parser("demo", help="try the bot without Slack: a workspace page on 127.0.0.1")
    demo.add_argument("--port", type=int, default=8000, help="the page's port (0: any free port)")
    demo.add_argument("--speed", type=float, default=1.0, help="time runs N times faster (60: 1 min/s)")
    demo.add_argument("--policy", type=Path, help="a policy file (default: the demo's own)")
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    handlers = {"run": cmd_run, "db": cmd_db_upgrade, "config": cmd_config_check, "export": cmd_export}
    handlers.update(report=cmd_report, demo=cmd_demo, outbox=cmd_outbox, drill=cmd_drill, backup=cmd_backup)
    try:
        code = handlers[args.command](args)
        sys.stdout.flush()  # here, so that a reader gone away is handled below and not at exit
        return code
    except (SettingsError, PolicyError) as exc:
        print(f"incident-bot: {exc}", file=sys.stderr)
        return 2
    except StartupError as exc:
        print(f"incident-bot: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # The reader stopped early (`incident-bot config check | head`): nothing more to say. What
        # is still buffered goes to /dev/null, so the flush at exit cannot fail again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
