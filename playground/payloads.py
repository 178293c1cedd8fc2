"""Pure builders for the payloads Slack sends an app, shared by the HTTP sender and Socket Mode.

Callers supply trigger ids and response URLs (``SlackStandIn`` mints real ones for you).
"""

from __future__ import annotations

import time
import uuid
from typing import Any

VERIFICATION_TOKEN = "standin-verification-token"
TEAM_ID = "T0TEST"
TEAM_DOMAIN = "standin"
APP_ID = "A0TEST"


def _now_ts() -> str:
    return f"{time.time():.6f}"


def _user(user_id: str, user_name: str, team_id: str) -> dict[str, Any]:
    return {"id": user_id, "username": user_name, "name": user_name, "team_id": team_id}


def _team(team_id: str, team_domain: str) -> dict[str, Any]:
    return {"id": team_id, "domain": team_domain}


def slash_command(
    command: str = "/incident",
    text: str = "",
    user_id: str = "U0ALICE",
    channel_id: str = "C0GENERAL",
    *,
    trigger_id: str,
    response_url: str,
    team_id: str = TEAM_ID,
    user_name: str = "alice",
    channel_name: str = "general",
    team_domain: str = TEAM_DOMAIN,
    api_app_id: str = APP_ID,
    token: str = VERIFICATION_TOKEN,
) -> dict[str, str]:
    """The form fields of a slash command request (all strings, as Slack sends them)."""
    return {
        "token": token,
        "team_id": team_id,
        "team_domain": team_domain,
        "channel_id": channel_id,
        "channel_name": channel_name,
        "user_id": user_id,
        "user_name": user_name,
        "command": command,
        "text": text,
        "api_app_id": api_app_id,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id,
    }


def block_actions(
    action_id: str,
    value: str | None = None,
    user_id: str = "U0ALICE",
    channel_id: str | None = None,
    message_ts: str | None = None,
    view: dict[str, Any] | None = None,
    *,
    trigger_id: str,
    selected_user: str | None = None,
    block_id: str | None = None,
    response_url: str | None = None,
    message: dict[str, Any] | None = None,
    action: dict[str, Any] | None = None,
    user_name: str = "alice",
    channel_name: str = "",
    team_id: str = TEAM_ID,
    team_domain: str = TEAM_DOMAIN,
    api_app_id: str = APP_ID,
    token: str = VERIFICATION_TOKEN,
) -> dict[str, Any]:
    """A ``block_actions`` interaction from a message (channel/ts) or a view (``view``).

    ``action`` is merged into the single action object, e.g. ``{"selected_option": ...}``.
    """
    act: dict[str, Any] = {
        "action_id": action_id,
        "block_id": block_id or f"{action_id}_block",
        "type": "users_select" if selected_user is not None else "button",
        "action_ts": _now_ts(),
    }
    if selected_user is not None:
        act["selected_user"] = selected_user
    if value is not None:
        act["value"] = value
    if act["type"] == "button":
        act["text"] = {"type": "plain_text", "text": action_id, "emoji": True}
    act.update(action or {})
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": _user(user_id, user_name, team_id),
        "api_app_id": api_app_id,
        "token": token,
        "trigger_id": trigger_id,
        "team": _team(team_id, team_domain),
        "enterprise": None,
        "is_enterprise_install": False,
        "actions": [act],
    }
    if view is not None:
        payload["container"] = {"type": "view", "view_id": view.get("id")}
        payload["view"] = view
        payload["state"] = view.get("state", {"values": {}})
    else:
        payload["container"] = {
            "type": "message",
            "message_ts": message_ts,
            "channel_id": channel_id,
            "is_ephemeral": False,
        }
        payload["state"] = {"values": {}}
    if channel_id is not None:
        payload["channel"] = {"id": channel_id, "name": channel_name}
    if message is not None or message_ts is not None:
        payload["message"] = message or {"type": "message", "ts": message_ts, "text": ""}
    if response_url is not None:
        payload["response_url"] = response_url
    return payload


def view_object(
    callback_id: str,
    state_values: dict[str, Any],
    *,
    view_id: str | None = None,
    private_metadata: str = "",
    hash: str | None = None,
    blocks: list[dict[str, Any]] | None = None,
    team_id: str = TEAM_ID,
    api_app_id: str = APP_ID,
    bot_id: str = "BBOT",
    title: str = "Modal",
) -> dict[str, Any]:
    """The ``view`` object Slack embeds in view_submission / view_closed payloads."""
    vid = view_id or f"V{uuid.uuid4().hex[:10].upper()}"
    return {
        "id": vid,
        "team_id": team_id,
        "type": "modal",
        "blocks": blocks or [],
        "private_metadata": private_metadata,
        "callback_id": callback_id,
        "state": {"values": state_values},
        "hash": hash or f"{int(time.time())}.{uuid.uuid4().hex[:8]}",
        "title": {"type": "plain_text", "text": title, "emoji": True},
        "clear_on_close": False,
        "notify_on_close": False,
        "close": None,
        "submit": {"type": "plain_text", "text": "Submit", "emoji": True},
        "previous_view_id": None,
        "root_view_id": vid,
        "app_id": api_app_id,
        "external_id": "",
        "app_installed_team_id": team_id,
        "bot_id": bot_id,
    }


def view_submission(
    callback_id: str,
    state_values: dict[str, Any],
    user_id: str = "U0ALICE",
    private_metadata: str = "",
    view_id: str | None = None,
    *,
    trigger_id: str,
    hash: str | None = None,
    view: dict[str, Any] | None = None,
    user_name: str = "alice",
    team_id: str = TEAM_ID,
    team_domain: str = TEAM_DOMAIN,
    api_app_id: str = APP_ID,
    token: str = VERIFICATION_TOKEN,
) -> dict[str, Any]:
    """A ``view_submission``; pass ``view`` to submit a specific stored view (state is replaced)."""
    if view is None:
        view = view_object(
            callback_id,
            state_values,
            view_id=view_id,
            private_metadata=private_metadata,
            hash=hash,
            team_id=team_id,
            api_app_id=api_app_id,
        )
    else:
        view = {**view, "state": {"values": state_values}}
    return {
        "type": "view_submission",
        "team": _team(team_id, team_domain),
        "user": _user(user_id, user_name, team_id),
        "api_app_id": api_app_id,
        "token": token,
        "trigger_id": trigger_id,
        "view": view,
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    }


def view_closed(
    view: dict[str, Any],
    user_id: str = "U0ALICE",
    *,
    is_cleared: bool = False,
    user_name: str = "alice",
    team_id: str = TEAM_ID,
    team_domain: str = TEAM_DOMAIN,
    api_app_id: str = APP_ID,
    token: str = VERIFICATION_TOKEN,
) -> dict[str, Any]:
    return {
        "type": "view_closed",
        "team": _team(team_id, team_domain),
        "user": _user(user_id, user_name, team_id),
        "api_app_id": api_app_id,
        "token": token,
        "view": view,
        "is_cleared": is_cleared,
        "is_enterprise_install": False,
        "enterprise": None,
    }


def event_callback(
    event: dict[str, Any],
    event_id: str | None = None,
    *,
    team_id: str = TEAM_ID,
    api_app_id: str = APP_ID,
    bot_user_id: str = "UBOT",
    event_time: int | None = None,
    token: str = VERIFICATION_TOKEN,
) -> dict[str, Any]:
    """An Events API ``event_callback`` wrapper around ``event``."""
    return {
        "token": token,
        "team_id": team_id,
        "context_team_id": team_id,
        "context_enterprise_id": None,
        "api_app_id": api_app_id,
        "event": event,
        "type": "event_callback",
        "event_id": event_id or f"Ev{uuid.uuid4().hex[:10].upper()}",
        "event_time": event_time if event_time is not None else int(time.time()),
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": team_id,
                "user_id": bot_user_id,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": f"4-{uuid.uuid4().hex}",
    }


def message_event(
    channel: str,
    text: str,
    user: str = "U0ALICE",
    *,
    ts: str | None = None,
    thread_ts: str | None = None,
    channel_type: str = "channel",
    team_id: str = TEAM_ID,
) -> dict[str, Any]:
    ts = ts or _now_ts()
    event: dict[str, Any] = {
        "type": "message",
        "channel": channel,
        "user": user,
        "text": text,
        "ts": ts,
        "event_ts": ts,
        "channel_type": channel_type,
        "team": team_id,
    }
    if thread_ts is not None:
        event["thread_ts"] = thread_ts
    return event


def app_mention_event(
    channel: str, text: str, user: str = "U0ALICE", *, ts: str | None = None
) -> dict[str, Any]:
    ts = ts or _now_ts()
    return {"type": "app_mention", "channel": channel, "user": user, "text": text, "ts": ts, "event_ts": ts}


def member_joined_channel_event(channel: str, user: str, *, inviter: str | None = None) -> dict[str, Any]:
    event: dict[str, Any] = {
        "type": "member_joined_channel",
        "channel": channel,
        "user": user,
        "channel_type": "C",
        "team": TEAM_ID,
        "event_ts": _now_ts(),
    }
    if inviter is not None:
        event["inviter"] = inviter
    return event


def message_action(
    callback_id: str,
    message: dict[str, Any],
    channel_id: str,
    user_id: str = "U0ALICE",
    *,
    trigger_id: str,
    response_url: str,
    channel_name: str = "",
    user_name: str = "alice",
    team_id: str = TEAM_ID,
    team_domain: str = TEAM_DOMAIN,
    token: str = VERIFICATION_TOKEN,
) -> dict[str, Any]:
    """A message shortcut (``message_action``) invoked on ``message``."""
    return {
        "type": "message_action",
        "token": token,
        "action_ts": _now_ts(),
        "team": _team(team_id, team_domain),
        "user": _user(user_id, user_name, team_id),
        "channel": {"id": channel_id, "name": channel_name},
        "is_enterprise_install": False,
        "enterprise": None,
        "callback_id": callback_id,
        "trigger_id": trigger_id,
        "response_url": response_url,
        "message_ts": message.get("ts"),
        "message": message,
    }


def global_shortcut(
    callback_id: str,
    user_id: str = "U0ALICE",
    *,
    trigger_id: str,
    user_name: str = "alice",
    team_id: str = TEAM_ID,
    team_domain: str = TEAM_DOMAIN,
    token: str = VERIFICATION_TOKEN,
) -> dict[str, Any]:
    return {
        "type": "shortcut",
        "token": token,
        "action_ts": _now_ts(),
        "team": _team(team_id, team_domain),
        "user": _user(user_id, user_name, team_id),
        "is_enterprise_install": False,
        "enterprise": None,
        "callback_id": callback_id,
        "trigger_id": trigger_id,
    }


def url_verification(challenge: str = "standin-challenge", token: str = VERIFICATION_TOKEN) -> dict[str, Any]:
    return {"token": token, "challenge": challenge, "type": "url_verification"}


# --- state.values helpers for view_submission -------------------------------------------


def plain_text_value(value: str | None) -> dict[str, Any]:
    return {"type": "plain_text_input", "value": value}


def static_select_value(value: str, text: str | None = None) -> dict[str, Any]:
    option = {"text": {"type": "plain_text", "text": text or value, "emoji": True}, "value": value}
    return {"type": "static_select", "selected_option": option}


def users_select_value(user_id: str | None) -> dict[str, Any]:
    return {"type": "users_select", "selected_user": user_id}


def multi_users_select_value(user_ids: list[str]) -> dict[str, Any]:
    return {"type": "multi_users_select", "selected_users": list(user_ids)}
