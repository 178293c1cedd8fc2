"""Facade helpers that build payloads with freshly minted trigger ids and response URLs."""

from __future__ import annotations

import copy
from typing import Any

from playground import payloads
from playground.responses import ResponseUrls
from playground.state import Workspace


class PayloadMinting:
    _ws: Workspace
    _responses: ResponseUrls

    def new_trigger_id(self) -> str:
        """A trigger id views.open/views.push accept once, within ``trigger_ttl`` seconds."""
        return self._ws.issue_trigger()

    def new_response_url(self) -> str:
        """``http://127.0.0.1:PORT/response/<id>``; POSTs to it are recorded."""
        return self._responses.mint(self._ws.config.http_base)

    def _common(self, user_id: str) -> dict[str, Any]:
        cfg = self._ws.config
        user = self._ws.users.get(user_id)
        return {
            "user_name": user.name if user else user_id.lower(),
            "team_id": cfg.team_id,
            "team_domain": cfg.team_domain,
        }

    def _channel_name(self, channel_id: str | None) -> str:
        found = self._ws.find_channel(channel_id)
        return found.name if found is not None and not found.is_im else "directmessage"

    def _stored_view(self, view_id: str | None, callback_id: str | None) -> dict[str, Any]:
        with self._ws.lock:
            views = list(self._ws.views.values())
        for view in reversed(views):
            if (view_id and view["id"] == view_id) or (
                not view_id and view.get("callback_id") == callback_id
            ):
                return copy.deepcopy(view)
        known = [(v["id"], v.get("callback_id")) for v in views]
        raise KeyError(f"no stored view with id={view_id!r} callback_id={callback_id!r}; known: {known}")

    def slash_command_payload(
        self,
        command: str = "/incident",
        text: str = "",
        user_id: str = "U0ALICE",
        channel_id: str = "C0GENERAL",
    ) -> dict[str, str]:
        return payloads.slash_command(
            command,
            text,
            user_id,
            channel_id,
            trigger_id=self.new_trigger_id(),
            response_url=self.new_response_url(),
            channel_name=self._channel_name(channel_id),
            api_app_id=self._ws.config.app_id,
            **self._common(user_id),
        )

    def block_actions_payload(
        self,
        action_id: str,
        value: str | None = None,
        user_id: str = "U0ALICE",
        *,
        channel_id: str | None = None,
        message_ts: str | None = None,
        view_id: str | None = None,
        selected_user: str | None = None,
        block_id: str | None = None,
        action: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """From a message (``channel_id`` + ``message_ts``, the stored message is embedded) or a view."""
        message = None
        if channel_id is not None and message_ts is not None:
            with self._ws.lock:
                found = self._ws.find_channel(channel_id)
                stored = found.find_message(message_ts) if found is not None else None
                message = copy.deepcopy(stored) if stored is not None else None
        view = self._stored_view(view_id, None) if view_id is not None else None
        return payloads.block_actions(
            action_id,
            value,
            user_id,
            channel_id,
            message_ts,
            view,
            trigger_id=self.new_trigger_id(),
            selected_user=selected_user,
            block_id=block_id,
            response_url=self.new_response_url() if view is None else None,
            message=message,
            action=action,
            channel_name=self._channel_name(channel_id) if channel_id else "",
            api_app_id=self._ws.config.app_id,
            **self._common(user_id),
        )

    def view_submission_payload(
        self,
        state_values: dict[str, Any],
        *,
        callback_id: str | None = None,
        view_id: str | None = None,
        user_id: str = "U0ALICE",
    ) -> dict[str, Any]:
        """Submit the view the bot opened (by id, or the latest with ``callback_id``)."""
        view = self._stored_view(view_id, callback_id)
        return payloads.view_submission(
            view["callback_id"],
            state_values,
            user_id,
            trigger_id=self.new_trigger_id(),
            view=view,
            api_app_id=self._ws.config.app_id,
            **self._common(user_id),
        )

    def view_closed_payload(
        self, *, callback_id: str | None = None, view_id: str | None = None, user_id: str = "U0ALICE"
    ) -> dict[str, Any]:
        view = self._stored_view(view_id, callback_id)
        return payloads.view_closed(view, user_id, api_app_id=self._ws.config.app_id, **self._common(user_id))

    def event_payload(self, event: dict[str, Any], event_id: str | None = None) -> dict[str, Any]:
        cfg = self._ws.config
        return payloads.event_callback(
            event, event_id, team_id=cfg.team_id, api_app_id=cfg.app_id, bot_user_id=cfg.bot_user_id
        )

    def message_action_payload(
        self, callback_id: str, channel: str, message_ts: str, user_id: str = "U0ALICE"
    ) -> dict[str, Any]:
        """A message shortcut on a stored message."""
        with self._ws.lock:
            found = self._ws.find_channel(channel)
            stored = found.find_message(message_ts) if found is not None else None
            if found is None or stored is None:
                raise KeyError(f"no message {message_ts} in {channel}")
            message, channel_id = copy.deepcopy(stored), found.id
        return payloads.message_action(
            callback_id,
            message,
            channel_id,
            user_id,
            trigger_id=self.new_trigger_id(),
            response_url=self.new_response_url(),
            channel_name=self._channel_name(channel_id),
            **self._common(user_id),
        )

    def shortcut_payload(self, callback_id: str, user_id: str = "U0ALICE") -> dict[str, Any]:
        return payloads.global_shortcut(
            callback_id, user_id, trigger_id=self.new_trigger_id(), **self._common(user_id)
        )
