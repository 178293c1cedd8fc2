"""The documentation says what the code does: examples load, every setting and template is named,
the README's commands can be pasted, and the manifest's HTTP-mode note gives a valid manifest."""

from __future__ import annotations

import copy
import dataclasses
import json
import re
from pathlib import Path
from typing import Any

import jinja2
import jsonschema
import pytest
import yaml

from bot.cli.template_check import template_names
from bot.config.policy import load_policy
from bot.config.settings import Settings
from bot.rendering import Renderer
from bot.slack.presenters import IncidentFacts

ROOT = Path(__file__).resolve().parents[2]
CONFIGURATION = (ROOT / "docs/configuration.md").read_text()
TEMPLATES = (ROOT / "docs/templates.md").read_text()
README = (ROOT / "README.md").read_text()


def blocks(markdown: str, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", markdown, re.S)


@pytest.mark.parametrize("n", range(len(blocks(CONFIGURATION, "yaml"))))
def test_each_policy_example_in_the_configuration_docs_validates_as_written(tmp_path: Path, n: int) -> None:
    example = blocks(CONFIGURATION, "yaml")[n]
    (tmp_path / "policy.yml").write_text(example)
    load_policy(tmp_path / "policy.yml")  # raises PolicyError naming what is wrong


def test_the_example_file_is_the_whole_procedure() -> None:
    example = next(b for b in blocks(CONFIGURATION, "yaml") if b.startswith("# policy.yml"))
    data = yaml.safe_load(example)
    assert [s["key"] for s in data["severities"]] == ["P1", "P2", "P3", "P4"]
    assert "templates_dir" in example  # shown, commented out: the folder is the reader's to make


def test_every_environment_variable_is_documented() -> None:
    documented = set(re.findall(r"^\| `([A-Z_]+)` \|", CONFIGURATION, re.M))
    settings = {name.upper() for name in Settings.model_fields}
    assert settings - documented == set(), "document these in docs/configuration.md"
    assert documented - settings == set(), "docs/configuration.md names variables the bot does not read"


def test_every_template_and_filter_is_documented() -> None:
    for name in template_names():
        assert f"`{name.split('/', 1)[1]}`" in TEMPLATES, f"docs/templates.md does not list {name}"
    filters = TEMPLATES.split("## Filters", 1)[1].split("\n## ", 1)[0]
    ours = set(Renderer().env.filters) - set(jinja2.Environment().filters)
    assert ours == {"j", "mrkdwn", "cut", "date", "utc", "user", "channel"}
    for name in ours:
        assert re.search(rf"^\| `{name}[`(]", filters, re.M), f"docs/templates.md: the {name} filter"
    for field in dataclasses.fields(IncidentFacts):
        assert f"`i.{field.name}`" in TEMPLATES, f"docs/templates.md does not describe i.{field.name}"


def test_the_readme_commands_can_be_pasted() -> None:
    for block in blocks(README, "sh"):
        assert "…" not in block, f"a placeholder that would reach an HTTP header:\n{block}"
    run = next(b for b in blocks(README, "sh") if "incident-bot run" in b)
    assert "SLACK_BOT_TOKEN=xoxb-" in run and "SLACK_APP_TOKEN=xapp-" in run


def _set(manifest: dict[str, Any], path: str, value: Any) -> None:
    here: Any = manifest
    keys = re.findall(r"[^.\[\]]+", path)
    for key in keys[:-1]:
        here = here[int(key)] if key.isdigit() else here.setdefault(key, {})
    here[keys[-1]] = value


def test_the_manifest_says_truthfully_how_to_switch_to_http_mode() -> None:
    text = (ROOT / "manifest.yml").read_text()
    manifest = yaml.safe_load(text)
    steps = re.findall(r"^#\s+(settings\.[\w.]+|features\.[\w.\[\]]+)(?::\s*(\w+))?", text, re.M)
    assert {path for path, _ in steps} == {
        "settings.socket_mode_enabled",
        "features.slash_commands[0].url",
        "settings.interactivity.request_url",
        "settings.event_subscriptions.request_url",
    }
    http = copy.deepcopy(manifest)
    for path, value in steps:
        _set(http, path, False if value == "false" else "https://bot.example.com/slack/events")
    assert http["settings"]["socket_mode_enabled"] is False
    schema = json.loads((ROOT / "tests/data/manifest.schema.1.0.0.json").read_text())
    jsonschema.Draft7Validator(schema).validate(http)
    assert http["features"]["slash_commands"][0]["url"].endswith("/slack/events")


def test_every_row_of_the_permissions_table_names_tests_that_exist() -> None:
    table = (ROOT / "docs" / "permissions.md").read_text()
    rows = [line for line in table.splitlines() if line.startswith("| ") and "tests/" in line]
    assert len(rows) >= 10
    for row in rows:
        for path, _, name in re.findall(r"`(tests/[\w/]+\.py)(::(\w+))?`", row):
            source = (ROOT / path).read_text()
            assert not name or f"def {name}(" in source, f"{path}::{name} named in docs/permissions.md"


def test_every_metric_is_in_the_operations_doc_and_the_dashboard_asks_for_real_ones() -> None:
    import re

    from prometheus_client.parser import text_string_to_metric_families

    from bot.runtime.metrics import Metrics

    metrics = Metrics()
    metrics.watch(lambda: (0, 0, 0.0, {"P1": 1}), lambda: 0)
    metrics.acks.labels("command").inc()
    families = text_string_to_metric_families(metrics.scrape().decode())
    names = {f.name for f in families if not f.name.endswith("_created")}
    operations = (ROOT / "docs/operations.md").read_text()
    documented = set(re.findall(r"`(incident_bot_\w+)`", operations))
    exposed = {n + "_total" if f"`{n}_total`" in operations else n for n in names}
    assert exposed - documented == set(), "document these metrics in docs/operations.md"
    dashboard = json.loads((ROOT / "docs/grafana-dashboard.json").read_text())
    asked = {
        m
        for p in dashboard["panels"]
        for t in p["targets"]
        for m in re.findall(r"incident_bot_\w+", t["expr"])
    }
    known = {re.sub(r"_(bucket|total)$", "", m) for m in asked}
    assert known <= names, known - names
