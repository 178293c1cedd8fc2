"""Drill scenarios: rehearsals written as YAML files.

A scenario names a title, a severity, the service and impact, the roles the team is expected to
staff, and injects: what the drill says in the incident channel, and when (counted from its start).
The bot ships four, written from the service runbook's failure scenarios (``bot/incidents/drill_scenarios``);
the policy's ``drills_dir`` adds a folder of the team's own (a file of the same name replaces a
built-in one). A scenario's key is its file name without ``.yml``. The format is in docs/drills.md.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import Field, ValidationError

from bot.config.policy import Policy
from bot.config.types import Duration, Strict
from bot.errors import InputError

BUILTIN = Path(__file__).with_name("drill_scenarios")
MAX_INJECTS = 30


class Inject(Strict):
    after: Duration
    text: str = Field(min_length=1, max_length=1000)


class Scenario(Strict):
    key: str
    title: str = Field(min_length=1, max_length=100)
    severity: str
    service: str = Field(default="", max_length=80)
    impact: str = Field(default="", max_length=1500)
    description: str = Field(default="", max_length=2500)
    expected_roles: tuple[str, ...] = ("ic",)
    fields: dict[str, str] = Field(default_factory=dict)  # values for the policy's custom fields
    injects: tuple[Inject, ...] = Field(default=(), max_length=MAX_INJECTS)


class ScenarioError(Exception):
    """A scenario file that cannot be used; the message names the file and what is wrong."""


def _load(path: Path, policy: Policy) -> Scenario:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        scenario = Scenario.model_validate({**raw, "key": path.stem}) if isinstance(raw, dict) else None
    except (OSError, yaml.YAMLError) as exc:
        raise ScenarioError(f"{path}: cannot read the scenario ({exc})") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(top level)"
        raise ScenarioError(f"{path}: {where}: {first['msg']}") from None
    if scenario is None:
        raise ScenarioError(f"{path}: a scenario is a mapping of keys (see docs/drills.md)")
    if policy.find_severity(scenario.severity) is None:
        raise ScenarioError(
            f"{path}: severity {scenario.severity} is not one of {', '.join(policy.severity_keys)}"
        )
    unknown = [r for r in scenario.expected_roles if r not in {role.key for role in policy.roles}]
    if unknown:
        raise ScenarioError(f"{path}: expected_roles names {', '.join(unknown)}, which is not a role")
    return scenario


def scenarios(policy: Policy) -> dict[str, Scenario]:
    """Every scenario, built-in then the policy's own, by key."""
    folders = [BUILTIN] + ([policy.drills_dir] if policy.drills_dir else [])
    found: dict[str, Scenario] = {}
    for folder in folders:
        for path in sorted(folder.glob("*.yml")) + sorted(folder.glob("*.yaml")):
            found[path.stem] = _load(path, policy)
    return found


def find(policy: Policy, name: str) -> Scenario:
    """The scenario called ``name``; InputError lists the ones there are."""
    known = scenarios(policy)
    wanted = name.strip().lower().removesuffix(".yml")
    if wanted in known:
        return known[wanted]
    listed = ", ".join(sorted(known)) or "none"
    raise InputError(
        {"scenario": f"{name.strip() or 'Which drill?'} is not a drill scenario; there are: {listed}."}
    )
