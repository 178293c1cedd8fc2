"""The hostile set through every command and every form field; then every call the bot made to
Slack (and every answer it gave) is checked: no live mention or link from user text, no control or
bidirectional-override character, Jinja syntax shown as typed, every message valid Block Kit."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

from playground.server import SlackStandIn
from tests.e2e.db import wait_settled
from tests.e2e.flows import declare
from tests.e2e.harness import RunningBot, opened_by, state
from tests.slack_checks import check_message, check_view

HOSTILE_SET = [
    "<!channel> <!here> <@U0EVIL> <#C0EVIL> <https://evil.example|click me>",
    "*bold* _italic_ ~strike~ `code` ```block``` > quote",
    "nul\x00 bell\x07 escape\x1b[31m del\x7f",
    "bidi \u202eevil\u202c isolate \u2066x\u2069",
    "hid\u200bden \u200cmarks\u200e\u200f line\u2028par\u2029 join\u2060\u2061\u2064 bom\ufeff",
    "{{ 7 * 7 }} {% raw %} {# comment #}",
    '"}], "blocks": [{"type": "divider"}], "x": "\\',
    "long " + "é" * 5000,
]
CONTROL = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f\u202a-\u202e\u2066-\u2069\u200b\u200c\u200e\u200f\u2028\u2029\u2060-\u2064\ufeff]"
)
LIVE = re.compile(r"<(?:!channel|!here|@U0EVIL|#C0EVIL|https://evil\.example)")


def typed(text: str) -> str:
    """As Slack delivers typed text in a slash command: &, < and > encoded."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def strings(value: Any) -> list[str]:
    """Every string in a message or view."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in strings(v)]
    return []


def mrkdwn(value: Any) -> list[str]:
    """The strings Slack formats (mrkdwn objects), where a mention or link token would be live."""
    if isinstance(value, dict):
        if value.get("type") == "mrkdwn" and isinstance(value.get("text"), str):
            return [value["text"]]
        return [s for v in value.values() for s in mrkdwn(v)]
    if isinstance(value, list):
        return [s for v in value for s in mrkdwn(v)]
    return []


def check_everything(standin: SlackStandIn, answers: list[dict[str, Any]]) -> None:
    shown: list[dict[str, Any]] = []
    for call in standin.calls():
        if not call.ok:
            continue
        if call.method in ("chat.postMessage", "chat.update", "chat.postEphemeral"):
            check_message(call.args)
            shown.append({"text": call.args.get("text"), "blocks": call.args.get("blocks")})
        elif call.method in ("views.open", "views.push", "views.update", "views.publish"):
            check_view(call.args["view"])
            shown.append({"view": call.args["view"]})
        elif call.method == "conversations.setTopic":
            shown.append({"text": call.args["topic"]})
    for body in standin.responses() + answers:
        check_message(body)
        shown.append(body)
    for item in shown:
        for text in strings(item):
            assert not CONTROL.search(text), (repr(text[:200]), json.dumps(item)[:300])
            assert "{{ 7 * 7 }}" in text or " 49 " not in text  # Jinja syntax is shown, never run
        # a message's fallback text is formatted too (notifications), and so is the topic
        formatted = mrkdwn(item) + ([item["text"]] if isinstance(item.get("text"), str) else [])
        for text in formatted:
            live = LIVE.search(text)
            assert live is None, text[max(0, live.start() - 80) : live.start() + 80]


def test_the_hostile_set_through_every_command_and_field(
    standin: SlackStandIn, bot: RunningBot, database_url: str
) -> None:
    incident = declare(standin, bot, database_url, "P2 Orders stuck")
    channel = incident.channel_id or ""
    answers: list[dict[str, Any]] = []
    today = datetime.now(UTC).date().isoformat()
    for hostile in HOSTILE_SET:
        text = typed(hostile)
        for command in (
            f"declare P3 {text}",
            f"declare {text}",
            f"update {text}",
            f"note {text}",
            f"status {text}",
            f"severity P3 {text}",
            "severity P2",
            f"action {text} due {today}",
            f"set platform {text}",
            f"set {text}",
            f"role {text}",
            f"stats {text}",
            text,
        ):
            reply = bot.sender.command(standin.slash_command_payload(text=command, channel_id=channel))
            assert reply.status == 200 and reply.elapsed < 3, (command[:40], reply.status)
            if isinstance(reply.json, dict) and reply.json:
                answers.append(reply.json)
        forms(standin, bot, channel, hostile)
    bot.sender.command(standin.slash_command_payload(text="postmortem", channel_id=channel))
    wait_settled(database_url, timeout=60)
    check_everything(standin, answers)
    documents = [f.content.decode() for f in standin.files() if f.completed]
    assert documents, "the postmortem was uploaded"
    for document in documents:  # the postmortem carries every field, as plain Markdown
        assert not CONTROL.search(document), repr(CONTROL.findall(document))


def forms(standin: SlackStandIn, bot: RunningBot, channel: str, hostile: str) -> None:
    """Every text field of every form, filled with ``hostile`` (forms are not encoded by Slack)."""
    fills: dict[str, dict[str, Any]] = {
        "declare": {"title": hostile, "severity": ("select", "P3"), "impact": hostile, "description": hostile,
                    "service": hostile, "field:platform": hostile, "field:services": hostile,
                    "commander": ("checks", ["self"])},
        "update": {"text": hostile, "impact": hostile, "expected": hostile},
        "action": {"text": hostile},
        "severity": {"severity": ("select", "P4"), "reason": hostile},
    }  # fmt: skip
    for name, values in fills.items():
        payload = standin.slash_command_payload(text=name, channel_id=channel)
        bot.sender.command(payload)
        opened = standin.wait_for("views.open", opened_by(payload))
        view_id = opened.response["view"]["id"]
        reply = bot.sender.interaction(standin.view_submission_payload(state(values), view_id=view_id))
        assert reply.status == 200, reply.body
