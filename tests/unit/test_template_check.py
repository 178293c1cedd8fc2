"""``config check`` renders every template with sample data: a broken override fails there, by name."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli.sample_incidents import sample_session
from bot.cli.template_check import check_templates, template_names
from bot.cli.template_samples import Samples
from bot.config.policy import Policy, load_policy
from bot.rendering import BUILTIN_TEMPLATES, Message, Renderer

FIELDS_AND_ROLES = """
severities:
  - {key: SEV0, label: Meltdown, response_target: 5m, update_cadence: none}
  - {key: SEV1, label: Bad, response_target: next business day, update_cadence: 10m}
roles:
  - {key: ic, name: Commander}
  - {key: liaison, name: Customer Liaison, responsibilities: [Talk to customers]}
fields:
  - {key: platform, label: Platform, type: select, options: [AWS, GCP], required: true}
  - {key: services, label: Services, type: multi_select, options: [checkout, search, auth]}
  - {key: lead, label: Team lead, type: user, show_in_announcement: true}
  - {key: customer, label: Customer, show_in_announcement: true}
leadership_severities: [SEV0]
escalation:
  targets: {oncall: {users: [U012AB3CD]}}
  severities: {SEV0: {at_declare: [oncall]}}
"""


def with_overrides(tmp_path: Path, files: dict[str, str], policy: str = "") -> Policy:
    folder = tmp_path / "templates"
    folder.mkdir(exist_ok=True)
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    (tmp_path / "policy.yml").write_text(policy + "\ntemplates_dir: templates\n")
    return load_policy(tmp_path / "policy.yml")


def test_every_template_the_bot_renders_has_samples() -> None:
    policy = Policy()
    with sample_session(policy) as session:
        sampled = {s.template for s in Samples(policy, session).all()}
    assert sampled == set(template_names())
    assert "messages/announcement.json.j2" in sampled and "docs/postmortem.md.j2" in sampled
    assert not any(name.startswith("partials/") for name in sampled)


@pytest.mark.parametrize("policy", ["", FIELDS_AND_ROLES], ids=["defaults", "fields-and-roles"])
def test_the_built_in_templates_pass(tmp_path: Path, policy: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert [str(p) for p in check_templates(with_overrides(tmp_path, {}, policy))] == []


def test_the_samples_carry_what_people_type_at_its_longest() -> None:
    policy = Policy()
    with sample_session(policy) as session:
        samples = {(s.template, s.variant): s for s in Samples(policy, session).all()}
        announcement = samples["messages/announcement.json.j2", "an open incident"].render(Renderer())
        listing = samples["messages/incident_list.json.j2", "60 open incidents"].render(Renderer())
    assert isinstance(announcement, Message) and isinstance(listing, Message)
    body = json.dumps([b for b in announcement.blocks if b["type"] != "header"])
    assert "&lt;!channel&gt;" in body and "<!channel>" not in body
    assert len(listing.blocks) > 40  # enough to reach Slack's limit if a template forgot to cut


def test_an_unused_check_is_free_when_nothing_is_overridden() -> None:
    assert check_templates(Policy()) == []


CASES = {
    "missing | j": (
        {"messages/announcement.json.j2": '{"text": "{{ i.title }}", "blocks": []}'},
        "templates/messages/announcement.json.j2: did not render valid JSON",
    ),
    "a misspelt variable": (
        {"messages/status_card.json.j2": '{"text": {{ i.titel | j }}}'},
        "templates/messages/status_card.json.j2:1: 'bot.slack.presenters.IncidentFacts object' has no "
        "attribute 'titel'",
    ),
    "a variable the template does not get": (
        {"messages/incident_list.json.j2": '{"text": {{ i.ref | j }}}'},
        "templates/messages/incident_list.json.j2:1: 'i' is undefined",
    ),
    "a syntax error": (
        {"messages/roles_panel.json.j2": '{\n"text": "x"{% if %}\n}'},
        "templates/messages/roles_panel.json.j2:2: syntax error",
    ),
    "user text unescaped": (
        {"messages/update_reminder.json.j2": '{"text": {{ i.title | j }}}'},
        "templates/messages/update_reminder.json.j2: what someone typed reaches Slack unescaped",
    ),
    "too many blocks": (
        {
            "messages/incident_list.json.j2": '{"text": "list", "blocks": [{% for i in incidents %}'
            '{"type": "divider"}{{ "," if not loop.last }}{% endfor %}]}'
        },
        "templates/messages/incident_list.json.j2: 60 blocks; Slack takes at most 50 in a message "
        "(sample: 60 open incidents)",
    ),
    "a block Slack refuses": (
        {
            "messages/help.json.j2": '{"text": "help", "blocks": [{"type": "actions", "elements": [{"type": '
            '"button", "action_id": "a", "text": {"type": "plain_text", "text": {{ ("x" * 80) | j }}}}]}]}'
        },
        "templates/messages/help.json.j2: block 1 (actions): text attribute cannot exceed 75 characters",
    ),
    "an unknown block type": (
        {"messages/help.json.j2": '{"text": "help", "blocks": [{"type": "sektion"}]}'},
        "templates/messages/help.json.j2: block 1: 'sektion' is not a Block Kit block type",
    ),
    "a view title too long": (
        {
            "views/resolve.json.j2": (BUILTIN_TEMPLATES / "views/resolve.json.j2")
            .read_text()
            .replace("Resolve the incident", "Resolve the incident for good")
        },
        "templates/views/resolve.json.j2: the view: title must be between 1 and 24 characters",
    ),
    "a file the bot does not use": (
        {"announcement.json.j2": '{"text": "x"}'},
        "templates/announcement.json.j2: is not a template the bot uses",
    ),
    "a broken partial, blamed by line": (
        {"partials/roles.json.j2": "{% macro panel(i) -%}\n{{ i.holders | j }}\n{%- endmacro %}"},
        "templates/partials/roles.json.j2:2: 'bot.slack.presenters.IncidentFacts object' has no attribute "
        "'holders'",
    ),
    "a document": (
        {"docs/postmortem.md.j2": "# {{ pm.title }}\n{{ pm.nothing.here }}\n"},
        "templates/docs/postmortem.md.j2:2: 'dict object' has no attribute 'nothing'",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_broken_override_is_named_with_what_is_wrong(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    monkeypatch.chdir(tmp_path)
    files, expected = CASES[case]
    problems = [str(p) for p in check_templates(with_overrides(tmp_path, files))]
    assert len(problems) == 1, problems
    assert problems[0].startswith(expected), problems[0]


def test_a_working_override_passes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    notice = '{"text": {{ (lines | map("mrkdwn", 1000) | join("\\n")) | cut(3000) | j }}}'
    assert check_templates(with_overrides(tmp_path, {"messages/notice.json.j2": notice})) == []
