"""A change counter: bumped on every mutation of the workspace, awaited by the demo page's live feed."""

from __future__ import annotations

import threading

# Web API methods that only read: calling them changes nothing anyone could see.
READ_METHODS = frozenset(
    {
        "auth.test",
        "apps.connections.open",
        "users.info",
        "users.list",
        "users.lookupByEmail",
        "usergroups.list",
        "usergroups.users.list",
        "conversations.info",
        "conversations.members",
        "conversations.list",
        "conversations.history",
        "conversations.replies",
        "chat.getPermalink",
        "pins.list",
        "bookmarks.list",
        "files.info",
    }
)


class ChangeCounter:
    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._version = 0
        self._closed = False

    @property
    def version(self) -> int:
        with self._cond:
            return self._version

    @property
    def closed(self) -> bool:
        with self._cond:
            return self._closed

    def bump(self) -> int:
        with self._cond:
            self._version += 1
            self._cond.notify_all()
            return self._version

    def after_call(self, method: str) -> None:
        """Bump unless ``method`` only reads."""
        if method not in READ_METHODS:
            self.bump()

    def wait_past(self, version: int, timeout: float) -> int:
        """Block until the version is past ``version`` (or closed, or ``timeout``); the version now."""
        with self._cond:
            self._cond.wait_for(lambda: self._version > version or self._closed, timeout)
            return self._version

    def close(self) -> None:
        """Wake every waiter for good (the server is stopping)."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
