"""Which modal each pretend person has open.

A modal opens for whoever the trigger id of ``views.open`` / ``views.push`` was minted for, so the
tracker remembers the owner of every trigger it hands out and reads the stand-in's call log for
the views the bot opened with them. ``views.update`` changes a stored view in place (same id).
"""

from __future__ import annotations

import copy
import threading
from typing import Any

from playground.records import Call
from playground.state import Workspace

OPENING = {"views.open": False, "views.push": True}  # method -> stacks on top of what is open
KEPT_TRIGGERS = 1000


class ModalStacks:
    def __init__(self, ws: Workspace) -> None:
        self._ws = ws
        self._lock = threading.Lock()
        self._owners: dict[str, str] = {}
        self._stacks: dict[str, list[str]] = {}
        self._errors: dict[str, dict[str, str]] = {}
        self._seen = 0

    def own(self, trigger_id: str | None, user: str) -> None:
        if trigger_id:
            with self._lock:
                self._owners[trigger_id] = user
                while len(self._owners) > KEPT_TRIGGERS:  # most are never used: forget the oldest
                    del self._owners[next(iter(self._owners))]

    def sync(self, calls: list[Call]) -> None:
        """Apply the views the bot opened, pushed or updated since the last sync."""
        with self._lock:
            if self._seen > len(calls):  # the call log was reset
                self._seen = 0
            fresh, self._seen = calls[self._seen :], len(calls)
            for call in fresh:
                view = call.response.get("view") if call.ok else None
                if not isinstance(view, dict):
                    continue
                if call.method == "views.update":
                    self._errors.pop(str(view.get("id")), None)
                    continue
                owner = self._owners.pop(str(call.args.get("trigger_id")), None)
                if call.method not in OPENING or owner is None:
                    continue
                stack = self._stacks.setdefault(owner, []) if OPENING[call.method] else []
                stack.append(str(view["id"]))
                self._stacks[owner] = stack

    def top(self, user: str) -> str | None:
        with self._lock:
            stack = self._stacks.get(user) or []
            return stack[-1] if stack else None

    def push(self, user: str, view_id: str) -> None:
        with self._lock:
            self._stacks.setdefault(user, []).append(view_id)
        self._ws.changes.bump()

    def pop(self, user: str, view_id: str | None = None) -> None:
        """Close the top view of ``user`` (only if it is ``view_id``, when given)."""
        with self._lock:
            stack = self._stacks.get(user) or []
            if stack and view_id in (None, stack[-1]):
                self._errors.pop(stack.pop(), None)
        self._ws.changes.bump()

    def clear(self, user: str) -> None:
        with self._lock:
            for view_id in self._stacks.pop(user, []):
                self._errors.pop(view_id, None)
        self._ws.changes.bump()

    def set_errors(self, view_id: str, errors: dict[str, str]) -> None:
        with self._lock:
            self._errors[view_id] = dict(errors)
        self._ws.changes.bump()

    def snapshot(self, user: str) -> dict[str, Any] | None:
        """The open modal of ``user``: ``{"view", "errors", "depth"}``, or None."""
        with self._lock:
            stack = list(self._stacks.get(user) or [])
            errors = dict(self._errors.get(stack[-1], {})) if stack else {}
        if not stack:
            return None
        with self._ws.lock:
            view = self._ws.views.get(stack[-1])
            if view is None:
                return None
            return {"view": copy.deepcopy(view), "errors": errors, "depth": len(stack)}
