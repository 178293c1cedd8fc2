"""manifest.yml is valid for Slack, and it and the listeners match both ways."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import jsonschema
import yaml
from slack_bolt import App

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = yaml.safe_load((ROOT / "manifest.yml").read_text())


class Recorder:
    """Stands in for a Bolt App and records what each handler module listens to."""

    def __init__(self) -> None:
        self.listeners: list[tuple[str, str]] = []

    def __getattr__(self, kind: str) -> Callable[..., Callable[..., None]]:
        def listen(constraint: Any, *_args: Any, **_kwargs: Any) -> Callable[..., None]:
            if isinstance(constraint, dict):
                constraint = json.dumps(constraint, sort_keys=True)
            self.listeners.append((kind, str(getattr(constraint, "pattern", constraint))))
            return lambda *a, **k: None

        return listen


def registered() -> list[tuple[str, str]]:
    from handlers import register_all

    recorder = Recorder()
    register_all(cast(App, recorder))  # a stand-in that records what would be registered
    return recorder.listeners


def test_manifest_is_valid_against_slacks_schema() -> None:
    schema = json.loads((ROOT / "tests/data/manifest.schema.1.0.0.json").read_text())
    jsonschema.Draft7Validator(schema).validate(MANIFEST)


def test_every_command_in_the_manifest_has_a_listener_and_back() -> None:
    manifest_commands = {c["command"] for c in MANIFEST["features"]["slash_commands"]}
    listened = {name for kind, name in registered() if kind == "command"}
    assert manifest_commands == listened


def test_interactive_listeners_need_interactivity() -> None:
    interactive = [(k, n) for k, n in registered() if k in ("action", "view", "shortcut", "block_action")]
    assert interactive, "the declare modal is interactive"
    assert MANIFEST["settings"]["interactivity"]["is_enabled"] is True


def test_events_in_the_manifest_match_the_event_listeners() -> None:
    subscribed = set(MANIFEST["settings"].get("event_subscriptions", {}).get("bot_events", []))
    listened = {name for kind, name in registered() if kind == "event"}
    assert subscribed == listened


def test_socket_mode_is_on_and_scopes_are_only_what_the_code_uses() -> None:
    assert MANIFEST["settings"]["socket_mode_enabled"] is True
    scopes = set(MANIFEST["oauth_config"]["scopes"]["bot"])
    # every Web API method the code calls, and the scope it needs
    needed = {
        "commands": "commands",
        "chat_postMessage": "chat:write",
        "chat_update": "chat:write",
        "conversations_create": "channels:manage",
        "conversations_invite": "channels:manage",
        "conversations_setTopic": "channels:manage",
        "pins_add": "pins:write",
        "users_info": "users:read",
        "users_lookupByEmail": "users:read.email",  # who is on call, from PagerDuty's emails
        "usergroups_users_list": "usergroups:read",
        "conversations_history": "channels:history",
        "conversations_list": "channels:read",
        "conversations_members": "channels:read",
        "files_upload_v2": "files:write",
        "bookmarks_add": "bookmarks:write",
        "bookmarks_list": "bookmarks:read",
        "files_info": "files:read",  # the permalink of an uploaded postmortem, when Slack leaves it out
        "conversations_join": "channels:join",  # back into a public channel the bot was removed from
        "conversations_open": "im:write",  # a person's DM, to look for a post whose outcome is unknown
    }
    code = "\n".join(p.read_text() for p in (ROOT / "bot").rglob("*.py") if "standin" not in p.parts)
    code += "\n".join(p.read_text() for p in (ROOT / "handlers").rglob("*.py"))
    used = {scope for method, scope in needed.items() if method == "commands" or f".{method}(" in code}
    used.add("chat:write.public")  # announcements go to channels the bot has not joined
    used.add("reactions:read")  # the reaction_added / reaction_removed events
    used |= {"groups:write", "groups:read"}  # private incident channels: create, invite, topic, members
    # looking for a post whose outcome is unknown, in a private channel or a DM
    used |= {"groups:history", "im:history"}
    assert used == scopes


def test_every_shortcut_in_the_manifest_has_a_listener_and_back() -> None:
    in_manifest = {s["callback_id"] for s in MANIFEST["features"].get("shortcuts", [])}
    listened = {name for kind, name in registered() if kind == "shortcut"}
    assert in_manifest == listened
