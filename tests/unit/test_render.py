"""Every template renders valid Block Kit for ordinary and hostile input, and escapes user text."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.config.policy import Policy
from bot.db.models import Incident, RoleAssignment, Status
from bot.incidents.declare import LIMITS, TITLE_MAX
from bot.rendering import Message, Renderer, TemplateProblem
from bot.slack.presenters import IncidentFacts, facts
from handlers.router import SUBCOMMANDS
from tests.slack_checks import HOSTILE, assert_no_live_tokens, check_message, check_view

NOW = datetime(2026, 11, 23, 14, 30, tzinfo=UTC)
POLICY = Policy()


def incident(
    text: str = "Checkout down", commander: str | None = "U0ALICE", channel: str | None = "C0INC"
) -> Incident:
    item = Incident(
        id=1,
        year=2026,
        number=7,
        title=text,
        severity="P1",
        status=Status.INVESTIGATING.value,
        impact=text,
        description=text,
        service=text,
        declared_by="U0BOB",
        declared_at=NOW - timedelta(minutes=75),
        channel_id=channel,
        fields={"platform": text, "services": text},
    )
    item.roles = []
    item.messages = []
    if commander:
        item.roles.append(RoleAssignment(role="ic", user_id=commander, assigned_by="U0BOB", assigned_at=NOW))
    return item


def all_messages(renderer: Renderer, i: IncidentFacts) -> dict[str, Message]:
    return {
        "announcement": renderer.message("announcement", i=i),
        "status_card": renderer.message("status_card", i=i),
        "declared_reply": renderer.message(
            "declared_reply", i=i, failures=[("creating the channel", "ratelimited")]
        ),
        "declared_ok": renderer.message("declared_reply", i=i, failures=[]),
        "list": renderer.message("incident_list", incidents=[i, i]),
        "list_empty": renderer.message("incident_list", incidents=[]),
        "notice": renderer.message("notice", lines=[i.title, "second line"]),
        "help": renderer.message(
            "help", commands=[(s.usage, s.summary) for s in SUBCOMMANDS.values()], intro=i.title
        ),
    }


@pytest.mark.parametrize(
    "text", ["Checkout down", HOSTILE, "Оплата не работает", "🔥🔥🔥", "الدفع معطل", "x" * 10_000]
)
def test_messages_are_valid_block_kit_and_escape_user_text(text: str) -> None:
    renderer = Renderer()
    i = facts(POLICY, incident(text), NOW)
    for message in all_messages(renderer, i).values():
        check_message(message)
        dumped = json.dumps(message.as_kwargs(), ensure_ascii=False)
        assert_no_live_tokens(json.loads(dumped)["text"])
        for block in message.blocks:
            if block["type"] != "header":
                assert_no_live_tokens(json.dumps(block, ensure_ascii=False))


def test_hostile_text_is_shown_literally_once_escaped() -> None:
    message = Renderer().message("announcement", i=facts(POLICY, incident(HOSTILE), NOW))
    impact = message.blocks[2]["text"]["text"]
    assert "&lt;!channel&gt;" in impact
    assert "&amp;lt;" in impact  # a typed "&lt;" stays visible as typed, not turned into "<"
    assert '"q" \\' in impact and "line2 &amp; done" in impact


def test_announcement_carries_what_the_procedure_asks_for() -> None:
    message = Renderer().message("announcement", i=facts(POLICY, incident(), NOW))
    text = json.dumps(message.blocks)
    for expected in (
        "P1 - Critical",
        "Investigating",
        "<@U0ALICE>",
        "<#C0INC>",
        "every 15 minutes",
        "<!date^",
    ):
        assert expected in text
    assert "Tech Lead" in text and "_unassigned_" in text
    assert "INC-2026-0007" in message.text


def test_announcement_without_cadence_or_channel() -> None:
    item = incident(channel=None, commander=None)
    item.severity = "P3"
    text = json.dumps(Renderer().message("announcement", i=facts(POLICY, item, NOW)).blocks)
    assert "as the situation changes" in text and "(channel pending)" in text


def test_topic_is_escaped() -> None:
    topic = Renderer().text("messages/topic.txt.j2", i=facts(POLICY, incident(HOSTILE), NOW))
    assert_no_live_tokens(topic)
    assert "IC: <@U0ALICE>" in topic


@pytest.mark.parametrize("title", ["", HOSTILE, "x" * 500])
def test_declare_view_is_valid(title: str) -> None:
    view = Renderer().view(
        "declare",
        severities=POLICY.severities,
        default_severity=None,
        title=title,
        limits=LIMITS,
        fields=POLICY.fields,
        metadata=json.dumps({"reply_url": "https://hooks.example/x", "channel": "C1"}),
    )
    check_view(view)
    title_element = view["blocks"][0]["element"]
    assert title_element["max_length"] == TITLE_MAX
    assert len(title_element.get("initial_value", "")) <= TITLE_MAX
    options = view["blocks"][1]["element"]["options"]
    assert [o["value"] for o in options] == ["P1", "P2", "P3", "P4"]


def test_override_folder_replaces_a_template_by_name(tmp_path: Path) -> None:
    (tmp_path / "messages").mkdir()
    (tmp_path / "messages" / "notice.json.j2").write_text('{"text": {{ ("custom: " ~ lines[0]) | j }}}')
    message = Renderer(tmp_path).message("notice", lines=["hi"])
    assert message.text == "custom: hi" and message.blocks == []
    # templates the folder does not override still come from the built-in set
    check_message(Renderer(tmp_path).message("announcement", i=facts(POLICY, incident(), NOW)))


def test_a_broken_override_is_reported_by_name(tmp_path: Path) -> None:
    (tmp_path / "messages").mkdir()
    (tmp_path / "messages" / "notice.json.j2").write_text('{"text": "{{ lines[0] }}"}')
    with pytest.raises(TemplateProblem, match=r"messages/notice\.json\.j2"):
        Renderer(tmp_path).message("notice", lines=['say "hi"'])


def ten_role_policy() -> Policy:
    from bot.config.policy import Role

    extra = [
        Role(key=f"role{n}", name=f"Role number {n} " + "x" * 20, responsibilities=["a" * 200] * 5)
        for n in range(6)
    ]
    return Policy(roles=(*POLICY.roles, *extra))


def test_panels_and_dms_fit_block_kit_with_ten_roles() -> None:
    from bot.incidents.roles import Outcome, RoleChange

    policy = ten_role_policy()
    assert len(policy.roles) == 10
    item = incident(HOSTILE)
    for n, role in enumerate(policy.roles):
        if n % 2:
            item.roles.append(
                RoleAssignment(role=role.key, user_id=f"U0R{n}", assigned_by="U0BOB", assigned_at=NOW)
            )
    i = facts(policy, item, NOW)
    renderer = Renderer()
    for name in ("announcement", "roles_panel"):
        message = renderer.message(name, i=i)
        check_message(message)
        blocks = json.dumps(message.blocks)
        assert blocks.count('"role_take"') + blocks.count('"role_release"') == 10
        assert blocks.count('"role_assign"') == 10
    for role in policy.roles:
        for outcome, user, previous in (
            (Outcome.ASSIGNED, "U0NEW", None),
            (Outcome.HANDED_OVER, "U0NEW", "U0OLD"),
            (Outcome.RELEASED, None, "U0OLD"),
        ):
            change = RoleChange(item, role, outcome, user, previous, "U0ACT", warning="careful")
            for template in ("role_changed", "role_dm", "role_lost_dm"):
                message = renderer.message(template, change=change, i=i)
                check_message(message)
                assert_no_live_tokens(message.text)


def test_the_resolved_status_page_draft_keeps_its_sentences_apart() -> None:
    item = incident("Checkout down")
    item.status, item.resolved_at = "Resolved", NOW
    item.summary = "Checkout failed for 20 minutes."
    item.root_cause, item.fix = "the pool needs ~50 connections.", "raised the pool to 80."
    draft = Renderer().text("docs/statuspage_resolved.txt.j2", i=facts(POLICY, item, NOW), now=NOW,
                            postmortem_within="2 days")  # fmt: skip
    lines = draft.splitlines()
    assert "We identified the issue as: the pool needs ~50 connections." in lines
    assert "We implemented a fix: raised the pool to 80." in lines


@pytest.mark.parametrize("text", ["Checkout down", HOSTILE, "x" * 5000])
def test_resolution_templates(text: str) -> None:
    item = incident(text)
    item.status, item.resolved_at = "Resolved", NOW
    item.summary, item.root_cause, item.fix = text, text, text
    item.roles.append(
        RoleAssignment(role="comms_lead", user_id="U0COMMS", assigned_by="U0BOB", assigned_at=NOW)
    )
    i = facts(POLICY, item, NOW)
    renderer = Renderer()
    resolution = renderer.message("resolution", i=i, postmortem_within="2 days")
    announcement = renderer.message("announcement", i=i)
    reminder = renderer.message("postmortem_reminder", i=i, due=NOW + timedelta(hours=48))
    for message in (resolution, announcement, reminder):
        check_message(message)
        for block in message.blocks:
            if block["type"] != "header":
                assert_no_live_tokens(json.dumps(block, ensure_ascii=False))
    thanks = json.dumps(resolution.blocks)
    assert "<@U0ALICE>, <@U0COMMS>" in thanks and "within 2 days" in thanks
    assert "1 hour 15 minutes" in json.dumps(resolution.blocks)
    assert announcement.blocks[0]["text"]["text"].startswith("✅ Resolved · INC-2026-0007")
    for name in ("docs/statuspage_resolved.txt.j2", "docs/statuspage_investigating.txt.j2"):
        draft = renderer.text(name, i=i, now=NOW, postmortem_within="2 days")
        dm = renderer.message("statuspage_draft", i=i, draft=draft, stage="Resolved", publish=True)
        check_message(dm)
        assert dm.blocks[-1]["elements"][0]["action_id"] == "statuspage_open"
        assert_no_live_tokens(json.dumps(dm.blocks))
    check_view(
        renderer.view(
            "resolve", i=i, limits={"summary": 2000, "root_cause": 1000, "fix": 1000}, metadata="{}"
        )
    )


def test_declare_view_shows_every_kind_of_field() -> None:
    policy = Policy.model_validate(
        {
            "fields": [
                {
                    "key": "platform",
                    "label": "Platform",
                    "type": "select",
                    "options": ["AWS", "GCP"],
                    "required": True,
                },
                {
                    "key": "services",
                    "label": "Services",
                    "type": "multi_select",
                    "options": ["api", HOSTILE[:70]],
                },
                {"key": "owner", "label": "Owning team lead", "type": "user"},
                {"key": "ticket", "label": "Ticket", "type": "text"},
            ]
        }
    )
    view = Renderer().view(
        "declare", severities=policy.severities, default_severity=None, title="", limits=LIMITS,
        fields=policy.fields, metadata="{}",
    )  # fmt: skip
    check_view(view)
    blocks = {b["block_id"]: b for b in view["blocks"]}
    assert blocks["field:platform"]["optional"] is False
    assert blocks["field:platform"]["element"]["type"] == "static_select"
    assert blocks["field:services"]["element"]["type"] == "multi_static_select"
    assert blocks["field:owner"]["element"]["type"] == "users_select"
    assert blocks["field:ticket"]["element"]["type"] == "plain_text_input"
    severity = blocks["severity"]["element"]  # each level's meaning under it, as radio buttons show
    assert severity["type"] == "radio_buttons"
    assert severity["options"][0]["description"]["text"].startswith("Revenue loss")


def test_the_announcement_shows_the_custom_fields_escaped() -> None:
    message = Renderer().message("announcement", i=facts(POLICY, incident(HOSTILE), NOW))
    check_message(message)
    sections = json.dumps([b for b in message.blocks if b["type"] == "section"])  # mrkdwn, unlike the header
    assert "*Platform:*" in sections and "*Services:*" in sections
    assert_no_live_tokens(sections)


def test_a_required_role_nobody_holds_says_so() -> None:
    without = json.dumps(
        Renderer().message("announcement", i=facts(POLICY, incident(commander=None), NOW)).blocks
    )
    assert "*Incident Commander:* :warning: _needed: nobody has it yet_" in without
    assert "*Scribe:* _unassigned_" in without  # not required
    with_ic = json.dumps(Renderer().message("announcement", i=facts(POLICY, incident(), NOW)).blocks)
    assert "needed" not in with_ic


def test_the_announcement_follows_the_status_and_a_resolved_one_has_no_role_buttons() -> None:
    item = incident("Checkout down")
    item.status = "Identified"
    shown = json.dumps(Renderer().message("announcement", i=facts(POLICY, item, NOW)).blocks)
    assert "We have found the cause" in shown and "We are investigating" not in shown
    assert '"role_take"' in shown or '"role_release"' in shown
    watching = Renderer().message("announcement", i=facts(POLICY, item, NOW), buttons=False)  # leadership
    check_message(watching)
    assert '"role_take"' not in json.dumps(watching.blocks) and "*Roles*" in json.dumps(watching.blocks)
    item.status, item.resolved_at, item.summary = "Resolved", NOW, "Back."
    item.roles.append(RoleAssignment(role="tech_lead", user_id="U0BOB", assigned_by="U0BOB", assigned_at=NOW))
    resolved = Renderer().message("announcement", i=facts(POLICY, item, NOW))
    check_message(resolved)
    text = json.dumps(resolved.blocks)
    for live in ('"role_take"', '"role_release"', '"role_assign"'):
        assert live not in text  # the final roles, nothing to press
    assert "*Tech Lead:* <@U0BOB>" in text


def test_a_drills_reply_and_resolution_say_drill_and_promise_no_postmortem() -> None:
    item = incident("Game day")
    item.is_drill = True
    item.status, item.resolved_at, item.summary = "Resolved", NOW, "Practised."
    i = facts(POLICY, item, NOW)
    resolution = Renderer().message("resolution", i=i, postmortem_within="2 days")
    check_message(resolution)
    shown = json.dumps(resolution.blocks, ensure_ascii=False)
    assert resolution.text.startswith("🧪 DRILL") and "no postmortem is owed" in shown
    assert "A postmortem will be published" not in shown
    reply = Renderer().message("declared_reply", i=i, failures=[])
    assert reply.text.startswith("🧪 DRILL") and "DRILL" in json.dumps(reply.blocks, ensure_ascii=False)
