"""The demo page shows Slack's :shortcode: emoji as Slack does, and leaves code as typed."""

from __future__ import annotations

from playground.emoji_codes import emojize, in_message


def test_shortcodes_become_emoji_outside_code() -> None:
    assert emojize(":clap: Resolved :white_check_mark:") == "👏 Resolved ✅"
    assert emojize(":rotating_light: `:clap:` and ```:tada:```") == "🚨 `:clap:` and ```:tada:```"
    assert emojize(":not_an_emoji: 10:30:00") == ":not_an_emoji: 10:30:00"


def test_every_text_of_a_message_is_shown_with_its_emoji() -> None:
    message = {
        "text": ":warning: late",
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": ":memo: x"}, "block_id": ":x:"}],
    }
    shown = in_message(message)
    assert shown["text"] == "⚠️ late" and shown["blocks"][0]["text"]["text"] == "📝 x"
    assert shown["blocks"][0]["block_id"] == ":x:"  # ids are not text
    assert message["text"] == ":warning: late"  # the stand-in's copy is untouched
