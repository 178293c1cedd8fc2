"""Web API dispatch: holds and faults, Slack-style auth, the method table, the call log."""

from __future__ import annotations

import copy
import sys
import time
import traceback
from dataclasses import dataclass, field
from typing import Any

from playground import api_chat, api_conversations, api_files, api_pins_bookmarks, api_users, api_views
from playground.args import Args, Handler, decode_json_fields
from playground.calllog import CallLog
from playground.errors import SlackError
from playground.faults import FaultInjector, make_fault
from playground.records import Call
from playground.scopes import missing
from playground.state import Workspace
from playground.tiers import Tiers

METHODS: dict[str, Handler] = {
    **api_chat.METHODS,
    **api_conversations.METHODS,
    **api_pins_bookmarks.METHODS,
    **api_users.METHODS,
    **api_files.METHODS,
    **api_views.METHODS,
}
APP_TOKEN_METHODS = frozenset({"apps.connections.open"})


@dataclass(frozen=True)
class ApiReply:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


class WebApi:
    def __init__(
        self, ws: Workspace, log: CallLog, faults: FaultInjector, scopes: frozenset[str] | None = None
    ) -> None:
        self.ws = ws
        self.log = log
        self.faults = faults
        self.scopes = scopes  # the bot's granted scopes; None: everything is allowed
        # Slack refuses the bot's token with this error (revoked, rotated away, app uninstalled)
        self.refusing: str | None = None
        # Slack's rate-limit tiers, when a test or benchmark turns them on (off: every call goes)
        self.tiers: Tiers | None = None

    def handle(self, method: str, raw_args: dict[str, Any], token: str | None) -> ApiReply:
        """Answer one call and record it (faulted and failed calls included)."""
        at = time.time()
        args = decode_json_fields(raw_args)
        args.pop("token", None)
        self.faults.wait_if_held(method, args)
        delay = self.faults.delay()
        if delay:
            time.sleep(delay)
        fault = self.faults.take(method)
        if fault is None and self.tiers is not None:
            wait = self.tiers.check(method, str(args.get("channel") or "") or None)
            if wait is not None:
                fault = make_fault(429, wait, None)
        reply = (
            ApiReply(fault.status, fault.body, fault.headers)
            if fault
            else self._dispatch(method, args, token)
        )
        self.log.record(Call(method, args, token, at, reply.body, reply.status))
        if reply.body.get("ok"):
            self.faults.run_hooks(method, args, reply.body)
        return reply

    def reject(self, method: str, raw_args: dict[str, Any], token: str | None, error: str) -> ApiReply:
        """Record and answer a call whose body could not be parsed."""
        reply = ApiReply(200, {"ok": False, "error": error})
        self.log.record(Call(method, dict(raw_args), token, time.time(), reply.body, reply.status))
        return reply

    def _auth_error(self, method: str, token: str | None) -> str | None:
        if not token:
            return "not_authed"
        cfg = self.ws.config
        expected = cfg.app_token if method in APP_TOKEN_METHODS else cfg.bot_token
        if token == expected:
            return None
        if token in (cfg.app_token, cfg.bot_token):
            return "not_allowed_token_type"
        return "invalid_auth"

    def _dispatch(self, method: str, args: dict[str, Any], token: str | None) -> ApiReply:
        handler = METHODS.get(method)
        if handler is None:
            return ApiReply(200, {"ok": False, "error": "unknown_method"})
        auth_error = self._auth_error(method, token)
        if auth_error is None and self.refusing and token == self.ws.config.bot_token:
            auth_error = self.refusing
        if auth_error is not None:
            return ApiReply(200, {"ok": False, "error": auth_error})
        with self.ws.lock:
            refused = missing(
                self.ws, self.scopes if token == self.ws.config.bot_token else None, method, args
            )
            if refused:
                return ApiReply(200, refused)
            try:
                # Handlers get their own copy, so stored state never aliases the recorded call.
                headers = {}
                if self.scopes is not None and token == self.ws.config.bot_token:
                    headers["x-oauth-scopes"] = ",".join(sorted(self.scopes))  # as Slack says which it has
                return ApiReply(200, handler(self.ws, Args(copy.deepcopy(args))), headers)
            except SlackError as exc:
                return ApiReply(200, exc.body())
            except Exception as exc:  # a stand-in bug: make it loud, answer like a Slack outage
                traceback.print_exc(file=sys.stderr)
                return ApiReply(500, {"ok": False, "error": "internal_error", "detail": repr(exc)})
