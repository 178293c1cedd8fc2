"""``incident-bot drill <scenario>``: a rehearsal in the playground (the demo with a drill already
started by the on-call person), or ``--list`` the scenarios. In a real workspace: ``/incident drill``."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def add_drill_parser(sub: Any) -> None:
    drill = sub.add_parser("drill", help="rehearse a scenario in the playground (no Slack needed)")
    drill.add_argument("scenario", nargs="?", help="the scenario, e.g. database-connections")
    drill.add_argument("--list", action="store_true", help="list the scenarios")
    drill.add_argument("--port", type=int, default=8000, help="the page's port (0: any free port)")
    drill.add_argument(
        "--speed",
        type=float,
        default=5.0,
        help="time runs N times faster (default 5: people can take part)",
    )
    drill.add_argument("--policy", type=Path, help="a policy file (default: the demo's own)")


def cmd_drill(args: argparse.Namespace) -> int:
    from bot.config.policy import load_policy
    from bot.incidents import scenarios as drills

    if args.list or not args.scenario:
        for scenario in drills.scenarios(load_policy(args.policy)).values():
            print(f"{scenario.key:<26} {scenario.severity}  {scenario.title}")
        if not args.list:
            print("\nRun one: incident-bot drill <scenario> (it opens the playground with the drill started)")
        return 0
    from playground.demo import DemoOptions, run

    return run(DemoOptions(port=args.port, speed=args.speed, policy=args.policy, drill=args.scenario))
