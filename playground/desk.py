"""What a pretend person does in the demo, as the signed request Slack would send the bot.

Type a slash command or a message, press a button or pick from a menu (in a message, an ephemeral
message or a modal), submit or close a modal, react with 📌, use the message shortcut. The bot's
answers come back in the HTTP reply or through response URLs; both are shown to the person.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from playground import api_views
from playground.api_chat import add_to_thread
from playground.args import Args
from playground.errors import SlackError
from playground.modals import ModalStacks
from playground.replies import Origin, Replies
from playground.sender import Reply, SignedSender
from playground.server import SlackStandIn
from playground.typed_text import encode

COMMANDS = ("/incident",)


@dataclass(frozen=True)
class Done:
    ok: bool = True
    error: str = ""


class Desk:
    def __init__(
        self, standin: SlackStandIn, sender: SignedSender, fire_alert: Callable[[str], str] | None = None
    ) -> None:
        self.standin = standin
        self.sender = sender
        self.fire_alert = fire_alert
        self.modals = ModalStacks(standin.workspace)
        self.replies = Replies(standin.workspace)

    def sync(self) -> None:
        """Catch up with the modals the bot opened and what it posted to response URLs."""
        self.modals.sync(self.standin.calls())
        self.replies.sync(self.standin.response_posts())

    # ----------------------------------------------------------------- typing
    def command(self, user: str, channel: str, line: str) -> Done:
        name, _, text = line.strip().partition(" ")
        origin = Origin(user, channel)
        if name not in COMMANDS:
            known = ", ".join(f"`{c}`" for c in COMMANDS)
            self.replies.deliver(origin, {"text": f"`{name}` is not a command here. Try {known}."})
            return Done()
        encoded = self._encode(text.strip(), with_names=True)
        payload = self.standin.slash_command_payload(name, encoded, user, channel)
        self.modals.own(payload["trigger_id"], user)
        self.replies.expect(payload["response_url"], origin)
        reply = self.sender.command(payload)
        if reply.status != 200:
            text = f"{name} failed: the app answered HTTP {reply.status}."
            self.replies.deliver(origin, {"text": text})
            return Done(False, text)
        if isinstance(reply.json, dict):
            self.replies.deliver(origin, reply.json)
        elif reply.body.strip():
            self.replies.deliver(origin, {"text": reply.body})
        return Done()

    def message(self, user: str, channel: str, text: str, thread_ts: str | None = None) -> Done:
        ws = self.standin.workspace
        encoded = self._encode(text)
        with ws.lock:
            target = ws.find_channel(channel)
            if target is None or (target.is_private and user not in target.members):
                return Done(False, "no such channel")
            if target.is_archived:
                return Done(False, "this channel is archived")
            if user not in target.members:
                target.members.append(user)  # posting in a public channel joins it
            message = {"type": "message", "user": user, "text": encoded, "ts": ws.ids.ts()}
            message["team"] = ws.config.team_id
            add_to_thread(target, message, thread_ts)
        ws.changes.bump()
        return Done()

    def _encode(self, text: str, with_names: bool = False) -> str:
        ws = self.standin.workspace
        with ws.lock:
            users = {
                u.id: (u.name, u.display_name, u.real_name.split(" ")[0])
                for u in ws.users.values()
                if not u.deleted
            }
            channels = {c.name: c.id for c in ws.channels.values() if not c.is_im}
        return encode(text, users, channels, with_names=with_names)

    # ----------------------------------------------------------------- interactive elements
    def press(
        self,
        user: str,
        action: dict[str, Any],
        *,
        channel: str | None = None,
        message_ts: str | None = None,
        ephemeral: bool = False,
        view_id: str | None = None,
        values: dict[str, Any] | None = None,
    ) -> Done:
        """A ``block_actions`` from a message (``channel`` + ``message_ts``) or a modal (``view_id``).

        ``action`` is what the element sends: ``action_id``, ``block_id``, ``type`` and its value
        (``value``, ``selected_option``, ``selected_user``, ``selected_options``, ...);
        ``values`` is the modal's current ``state.values``.
        """
        extra = dict(action)
        action_id = str(extra.pop("action_id", ""))
        block_id = extra.pop("block_id", None)
        value = extra.pop("value", None)
        extra.setdefault("type", "button")
        in_view = view_id is not None
        try:
            payload = self.standin.block_actions_payload(
                action_id,
                value,
                user,
                channel_id=None if in_view else channel,
                message_ts=None if in_view else message_ts,
                view_id=view_id,
                block_id=block_id,
                action=extra,
            )
        except KeyError:
            return Done(False, "that form is no longer open")
        act = payload["actions"][0]
        if act["type"] != "button":
            act.pop("text", None)
        if in_view:
            state = {"values": values or {}}
            payload["view"]["state"] = state
            payload["state"] = state
        elif ephemeral:
            payload["container"]["is_ephemeral"] = True
            payload.pop("message", None)  # Slack does not send the content of an ephemeral message
        self.modals.own(payload["trigger_id"], user)
        if channel is not None:
            self.replies.expect(payload.get("response_url"), Origin(user, channel, message_ts, ephemeral))
        return self._delivered(self.sender.interaction(payload))

    def alert(self, urgency: str) -> Done:
        """A test alert from the demo's PagerDuty (high: declared at once by the demo policy)."""
        if self.fire_alert is None:
            return Done(False, "this page has no PagerDuty to send alerts")
        try:
            self.fire_alert("high" if urgency == "high" else "low")
        except OSError as exc:
            return Done(False, f"the alert was not taken ({exc})")
        return Done(True)

    def shortcut(
        self, user: str, channel: str, message_ts: str, callback_id: str = "add_to_timeline"
    ) -> Done:
        """A message shortcut (``⋯`` → "Add to incident timeline") on a message."""
        try:
            payload = self.standin.message_action_payload(callback_id, channel, message_ts, user)
        except KeyError:
            return Done(False, "that message is gone")
        self.modals.own(payload["trigger_id"], user)
        self.replies.expect(payload["response_url"], Origin(user, channel))
        return self._delivered(self.sender.interaction(payload))

    def _delivered(self, reply: Reply) -> Done:
        if reply.status == 200:
            return Done()
        return Done(False, f"the app answered HTTP {reply.status}")

    # ----------------------------------------------------------------- modals
    def reload(self, user: str) -> Done:
        """The page was loaded again: as in Slack, an open form and private replies are gone."""
        self.sync()
        self.modals.clear(user)
        self.replies.forget(user)
        return Done()

    def submit(self, user: str, view_id: str, values: dict[str, Any]) -> Done:
        self.sync()
        if self.modals.top(user) != view_id:
            return Done(False, "that form is no longer open")
        payload = self.standin.view_submission_payload(values, view_id=view_id, user_id=user)
        self.modals.own(payload["trigger_id"], user)
        reply = self.sender.interaction(payload)
        if reply.status != 200:
            return Done(False, f"We had some trouble connecting (HTTP {reply.status}). Try again?")
        body = reply.json if isinstance(reply.json, dict) else {}
        answer = body.get("response_action")
        if answer == "errors":
            errors = body.get("errors") if isinstance(body.get("errors"), dict) else {}
            self.modals.set_errors(view_id, {str(k): str(v) for k, v in (errors or {}).items()})
        elif answer == "update":
            return self._change_view(user, view_id, body.get("view"), push=False)
        elif answer == "push":
            return self._change_view(user, view_id, body.get("view"), push=True)
        elif answer == "clear":
            self.modals.clear(user)
        else:
            self.modals.pop(user, view_id)
        return Done()

    def _change_view(self, user: str, view_id: str, view: Any, *, push: bool) -> Done:
        ws = self.standin.workspace
        try:
            with ws.lock:
                if push:
                    stored = api_views.views_push(ws, Args({"trigger_id": ws.issue_trigger(), "view": view}))
                else:
                    stored = api_views.views_update(ws, Args({"view_id": view_id, "view": view}))
        except SlackError as exc:
            return Done(False, f"the app answered with a view Slack refuses ({exc.body().get('error')})")
        if push:
            self.modals.push(user, str(stored["view"]["id"]))
        else:
            self.modals.set_errors(view_id, {})
        return Done()

    def close(self, user: str, view_id: str) -> Done:
        view = self.standin.view(view_id)
        self.modals.pop(user, view_id)
        if view is not None and view.get("notify_on_close"):
            payload = self.standin.view_closed_payload(view_id=view_id, user_id=user)
            return self._delivered(self.sender.interaction(payload))
        return Done()

    # ----------------------------------------------------------------- reactions
    def react(self, user: str, channel: str, message_ts: str, name: str = "pushpin") -> Done:
        """Add ``name`` to a message as ``user``, or take it off if it is there; tell the bot."""
        ws = self.standin.workspace
        with ws.lock:
            target = ws.find_channel(channel)
            message = target.find_message(message_ts) if target is not None else None
            if target is None or message is None:
                return Done(False, "that message is gone")
            reactions: list[dict[str, Any]] = message.setdefault("reactions", [])
            entry = next((r for r in reactions if r["name"] == name), None)
            if entry is None:
                entry = {"name": name, "users": [], "count": 0}
                reactions.append(entry)
            adding = user not in entry["users"]
            if adding:
                entry["users"].append(user)
            else:
                entry["users"].remove(user)
            entry["count"] = len(entry["users"])
            if not entry["users"]:
                reactions.remove(entry)
            event = {
                "type": "reaction_added" if adding else "reaction_removed",
                "user": user,
                "reaction": name,
                "item_user": message.get("user") or "",
                "item": {"type": "message", "channel": target.id, "ts": message_ts},
                "event_ts": f"{ws.ids.now():.6f}",
            }
        ws.changes.bump()
        return self._delivered(self.sender.event(self.standin.event_payload(event)))
