"""Atlassian Statuspage's REST API: the page's components, its unresolved incidents, and making or
updating one. Statuspage has no idempotency key: the incident's id is kept, and its name carries the
incident's ref so that a create whose outcome is unknown can be found again. One request a second
is kept per key (Statuspage's limit); a 429 says how long to wait."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from bot.integrations import http

PER_PAGE = 100
MAX_PAGES = 10
GAP = 1.0  # seconds between two requests with one key


@dataclass(frozen=True)
class Component:
    id: str
    name: str
    status: str


@dataclass(frozen=True)
class PageIncident:
    id: str
    name: str
    status: str
    url: str
    bodies: tuple[str, ...] = ()  # its updates' texts, newest first


class Pacer:
    """At most one request every ``gap`` seconds, across the threads that share a key."""

    def __init__(
        self,
        gap: float = GAP,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.gap, self.clock, self.sleep = gap, clock, sleep
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self, longest: float | None = None) -> bool:
        """Wait for this request's turn; False (and no turn taken) when that is further away than
        ``longest`` seconds."""
        with self._lock:
            now = self.clock()
            start = max(now, self._next)
            if longest is not None and start - now > longest:
                return False
            self._next = start + self.gap
        if start > now:
            self.sleep(start - now)
        return True


class StatusPage:
    system = "statuspage"

    def __init__(self, api_url: str, page_id: str, api_key: str, pacer: Pacer | None = None) -> None:
        self.api, self.page, self.key = api_url, page_id, api_key
        self.pacer = pacer or Pacer()

    def _call(
        self, method: str, path: str, body: Any = None, timeout: float = 10, longest: float | None = None
    ) -> Any:
        if not self.pacer.wait(longest):
            raise http.Refused("the status page's one request a second is taken just now")
        headers = {"Authorization": f"OAuth {self.key}"}
        url = f"{self.api}pages/{quote(self.page)}/{path}"
        return http.request(method, url, body, headers=headers, timeout=timeout).body

    def _pages(self, path: str) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        for page in range(1, MAX_PAGES + 1):
            batch = self._call("GET", f"{path}?page={page}&per_page={PER_PAGE}") or []
            found += [item for item in batch if isinstance(item, dict)]
            if len(batch) < PER_PAGE:
                break
        return found

    def components(self, timeout: float = 10, longest: float | None = None) -> list[Component]:
        """The page's components, one unpaginated list (groups left out: a group's status follows
        its members'). ``longest``: how long it may wait for its turn (a form that must open)."""
        listed = self._call("GET", "components", timeout=timeout, longest=longest) or []
        return [
            Component(str(c["id"]), str(c.get("name") or c["id"]), str(c.get("status") or ""))
            for c in listed
            if isinstance(c, dict) and "id" in c and not c.get("group")
        ]

    def unresolved(self) -> list[PageIncident]:
        return [_incident(i) for i in self._pages("incidents/unresolved")]

    def search(self, text: str) -> list[PageIncident]:
        """The page's incidents whose name or updates hold ``text`` (resolved ones too)."""
        found = self._call("GET", f"incidents?q={quote(text)}&per_page={PER_PAGE}") or []
        return [_incident(i) for i in found if isinstance(i, dict)]

    def get(self, incident_id: str) -> PageIncident:
        return _incident(self._call("GET", f"incidents/{quote(incident_id)}") or {})

    def create(self, fields: dict[str, Any]) -> PageIncident:
        return _incident(self._call("POST", "incidents", {"incident": fields}) or {})

    def update(self, incident_id: str, fields: dict[str, Any]) -> PageIncident:
        return _incident(self._call("PATCH", f"incidents/{quote(incident_id)}", {"incident": fields}) or {})


def _incident(found: dict[str, Any]) -> PageIncident:
    updates = sorted(found.get("incident_updates") or [], key=lambda u: str(u.get("created_at") or ""))
    return PageIncident(
        id=str(found.get("id") or ""),
        name=str(found.get("name") or ""),
        status=str(found.get("status") or ""),
        url=str(found.get("shortlink") or ""),
        bodies=tuple(str(u.get("body") or "") for u in reversed(updates)),
    )
