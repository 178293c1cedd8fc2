"""The packages import each other in one direction only (docs/architecture.md): a module-level
import from a package to one that imports it back, directly or through others, fails here."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("bot", "handlers", "schedules")


def package_of(module: str) -> str:
    """The node a module belongs to: its package under bot/ (bot.slack, bot.db, …), or the
    top-level bot modules (``bot``), ``handlers`` or ``schedules``."""
    parts = module.split(".")
    if parts[0] == "bot" and len(parts) > 1 and (ROOT / "bot" / parts[1]).is_dir():
        return f"bot.{parts[1]}"
    return parts[0]


def module_level_imports(path: Path) -> set[str]:
    """Modules imported at module level (functions' own imports, made when they run, are not)."""
    found: set[str] = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.If):  # `if TYPE_CHECKING:` imports count too
            for inner in node.body:
                if isinstance(inner, ast.ImportFrom) and inner.module:
                    found.add(inner.module)
    return {m for m in found if m.split(".")[0] in SOURCES}


def graph() -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {}
    for source in SOURCES:
        for path in (ROOT / source).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            here = package_of(module)
            targets = {package_of(m) for m in module_level_imports(path)} - {here}
            edges.setdefault(here, set()).update(targets)
    return edges


def cycle(edges: dict[str, set[str]]) -> list[str] | None:
    visiting: list[str] = []
    done: set[str] = set()

    def visit(node: str) -> list[str] | None:
        if node in visiting:
            return [*visiting[visiting.index(node) :], node]
        if node in done:
            return None
        visiting.append(node)
        for target in sorted(edges.get(node, ())):
            found = visit(target)
            if found:
                return found
        visiting.pop()
        done.add(node)
        return None

    for node in sorted(edges):
        found = visit(node)
        if found:
            return found
    return None


def test_the_packages_import_each_other_without_a_cycle() -> None:
    edges = graph()
    assert {"bot.slack", "bot.incidents", "bot.outbox", "handlers", "schedules"} <= set(edges)
    assert cycle(edges) is None, " → ".join(cycle(edges) or [])


def test_the_domain_and_the_core_never_import_the_outside() -> None:
    edges = graph()
    outside = {"bot.slack", "bot.integrations", "bot.app", "bot.cli", "handlers", "schedules"}
    for inner in (
        "bot",
        "bot.config",
        "bot.db",
        "bot.outbox",
        "bot.runtime",
        "bot.incidents",
        "bot.insights",
    ):
        assert not edges.get(inner, set()) & outside, f"{inner} imports {edges[inner] & outside}"
    for path in (ROOT / "bot" / "incidents").rglob("*.py"):
        imported = {
            alias.name.split(".")[0]
            for node in ast.walk(ast.parse(path.read_text()))
            if isinstance(node, ast.Import | ast.ImportFrom)
            for alias in (
                [ast.alias(node.module)] if isinstance(node, ast.ImportFrom) and node.module else node.names
            )
        }
        assert not imported & {"slack_bolt", "slack_sdk"}, path


def test_the_cycle_finder_finds_one() -> None:
    assert cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert cycle({"a": {"b"}, "b": set()}) is None
