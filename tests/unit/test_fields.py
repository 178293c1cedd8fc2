"""Custom fields: the policy's definitions, values checked by type, and set_field with its timeline event."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.config.policy import Policy, PolicyError, load_policy
from bot.db.models import Incident
from bot.errors import InputError
from bot.incidents import declare as declaring
from bot.incidents import fields, story, timeline

NOW = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
POLICY = Policy(
    fields=[
        {
            "key": "platform",
            "label": "Platform",
            "type": "select",
            "options": ["AWS", "GCP"],
            "required": True,
        },
        {"key": "services", "label": "Services", "type": "multi_select", "options": ["checkout", "payments"]},
        {"key": "notes", "label": "Notes"},
        {"key": "owner", "label": "Team lead", "type": "user"},
    ]
)


def test_the_default_policy_defines_platform_and_services() -> None:
    defaults = Policy().fields
    assert [(f.key, f.type, f.required, f.show_in_announcement) for f in defaults] == [
        ("platform", "text", False, True),
        ("services", "text", False, True),
    ]


@pytest.mark.parametrize(
    ("fields_value", "message"),
    [
        ([{"key": "Platform", "label": "P"}], "field key 'Platform' is not allowed: use 1-32 lowercase"),
        ([{"key": "x" * 33, "label": "P"}], "is not allowed: use 1-32 lowercase"),
        ([{"key": "team", "label": "T" * 41}], "field 'team': the label must be 1-40 characters; it is 41"),
        ([{"key": "team", "label": " "}], "field 'team': the label must be 1-40"),
        ([{"key": "team", "label": "Team", "type": "select"}], "field 'team': a select field needs 1-100"),
        (
            [{"key": "team", "label": "Team", "type": "select", "options": [str(n) for n in range(101)]}],
            "it has 101",
        ),
        (
            [{"key": "team", "label": "Team", "type": "select", "options": ["x" * 76]}],
            "field 'team': each option is 1-75 characters",
        ),
        ([{"key": "team", "label": "Team", "options": ["a"]}], "field 'team': options are only for select"),
        ([{"key": "team", "label": "Team", "type": "user", "options": ["a"]}], "not user"),
        (
            [{"key": "team", "label": "Team", "type": "select", "options": ["A", "a"]}],
            "field 'team': option A, a is listed twice",
        ),
        ([{"key": "team", "label": "T"}, {"key": "team", "label": "U"}], "field team is defined twice"),
        ([{"key": f"f{n}", "label": "F"} for n in range(21)], "at most 20 fields are allowed; 21"),
        ([{"key": "team", "label": "Team", "type": "number"}], "fields[0].type"),
    ],
)
def test_bad_field_definitions_name_the_key_and_what_is_allowed(
    tmp_path: Path, fields_value: list[dict[str, Any]], message: str
) -> None:
    import yaml

    path = tmp_path / "policy.yml"
    path.write_text(yaml.safe_dump({"fields": fields_value}))
    with pytest.raises(PolicyError) as caught:
        load_policy(path)
    assert message in str(caught.value)


def test_fields_load_from_a_file_and_are_found_by_key_or_label(tmp_path: Path) -> None:
    path = tmp_path / "policy.yml"
    path.write_text("fields:\n  - {key: team_lead, label: Team lead, type: user}\n")
    policy = load_policy(path)
    assert [f.key for f in policy.fields] == ["team_lead"]
    assert policy.find_field("TEAM LEAD") == policy.find_field("team-lead") == policy.fields[0]
    assert policy.find_field("platform") is None
    assert Policy(fields=[]).fields == ()


def test_values_are_checked_by_type() -> None:
    platform, services, notes, owner = POLICY.fields
    assert fields.parse_value(platform, "aws") == "AWS"
    assert fields.parse_value(services, "Payments, checkout,,payments") == ["payments", "checkout"]
    assert fields.parse_value(services, ["checkout"]) == ["checkout"]
    assert fields.parse_value(notes, "  two\tspaces\n ") == "two spaces"
    assert fields.parse_value(owner, "U012AB3CD") == "U012AB3CD"
    assert fields.parse_value(notes, "   ") is None and fields.parse_value(services, " , ") is None
    with pytest.raises(InputError, match="Platform: azure is not an option; choose one of AWS, GCP"):
        fields.parse_value(platform, "azure")
    with pytest.raises(InputError, match="Services: search is not an option; choose from checkout, payments"):
        fields.parse_value(services, "checkout, search")
    with pytest.raises(InputError, match="Notes is 201 characters; at most 200"):
        fields.parse_value(notes, "x" * 201)
    with pytest.raises(
        InputError, match=r"Team lead takes a person: @dana is not a user id \(like U012AB3CD\)"
    ):
        fields.parse_value(owner, "@dana")


def test_a_declare_form_needs_the_required_fields_and_known_keys() -> None:
    values = fields.validate_values(POLICY, {"platform": "gcp", "services": "checkout", "notes": ""})
    assert values == {"platform": "GCP", "services": ["checkout"]}
    with pytest.raises(InputError) as caught:
        fields.validate_values(POLICY, {"colour": "red", "owner": "dana"})
    assert caught.value.fields == {
        "colour": "colour is not an incident field; the fields are platform (Platform), "
        "services (Services), notes (Notes), owner (Team lead).",
        "platform": "Platform is required.",
        "owner": "Team lead takes a person: dana is not a user id (like U012AB3CD).",
    }


def new_incident(sessions: sessionmaker[Session]) -> int:
    """An incident with no field set yet (declared from a Declaration that skipped the form's checks)."""
    declaration = declaring.Declaration(title="t", severity="P2", declared_by="U0A")
    return declaring.declare(sessions, POLICY, declaration, NOW)[0].id


def test_the_declare_form_checks_the_fields() -> None:
    with pytest.raises(InputError) as refused:
        declaring.validate(POLICY, title="t", severity="P2", declared_by="U0A")
    assert refused.value.fields == {"field:platform": "Platform is required."}
    declaration = declaring.validate(
        POLICY, title="t", severity="P2", declared_by="U0A", fields={"platform": "gcp"}
    )
    assert declaration.fields == {"platform": "GCP"}


def test_set_field_commits_the_value_with_its_timeline_event(sessions: sessionmaker[Session]) -> None:
    incident_id = new_incident(sessions)
    later = NOW + timedelta(minutes=5)
    change = fields.set_field(sessions, POLICY, incident_id, "Platform", "aws", "U0B", later)
    assert change is not None and change.value == "AWS" and change.previous is None
    assert change.incident.fields == {"platform": "AWS"}
    change = fields.set_field(sessions, POLICY, incident_id, "platform", "gcp", "U0B", later)
    assert change is not None and change.previous == "AWS"
    assert fields.set_field(sessions, POLICY, incident_id, "platform", "GCP", "U0B", later) is None
    fields.set_field(sessions, POLICY, incident_id, "services", "checkout,payments", "U0B", later)
    fields.set_field(sessions, POLICY, incident_id, "owner", "U0CAROL", "U0B", later)
    cleared = fields.set_field(sessions, POLICY, incident_id, "services", "", "U0B", later)
    assert cleared is not None and cleared.value is None
    with sessions() as session:
        events = [e for e in timeline.events(session, incident_id) if e.kind == "field_set"]
        stored = session.get_one(Incident, incident_id).fields
    assert stored == {"platform": "GCP", "owner": "U0CAROL"}
    assert [(e.at, e.actor, e.details) for e in events[:2]] == [
        (later, "U0B", {"key": "platform", "value": "AWS", "previous": None}),
        (later, "U0B", {"key": "platform", "value": "GCP", "previous": "AWS"}),
    ]
    lines = [story.describe(e, POLICY, lambda u: f"@{u}") for e in events]
    assert [(e.text, e.quoted) for e in lines] == [
        ("Platform set by @U0B", "AWS"),
        ("Platform set by @U0B", "GCP (was AWS)"),
        ("Services set by @U0B", "checkout, payments"),
        ("Team lead set to @U0CAROL by @U0B", ""),
        ("Services cleared by @U0B", "was checkout, payments"),
    ]


def test_set_field_refuses_bad_values_and_changes_nothing(sessions: sessionmaker[Session]) -> None:
    incident_id = new_incident(sessions)
    with pytest.raises(InputError, match="colour is not an incident field; the fields are platform"):
        fields.set_field(sessions, POLICY, incident_id, "colour", "red", "U0B", NOW)
    with pytest.raises(InputError, match="Platform is required: give it a value"):
        fields.set_field(sessions, POLICY, incident_id, "platform", "  ", "U0B", NOW)
    with pytest.raises(InputError, match="not an option"):
        fields.set_field(sessions, POLICY, incident_id, "platform", "azure", "U0B", NOW)
    with sessions() as session:
        assert [e.kind for e in timeline.events(session, incident_id)] == ["declared"]
        assert session.get_one(Incident, incident_id).fields == {}
