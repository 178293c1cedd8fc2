"""A local Atlassian Statuspage for tests and the demo: one page's components and incidents, the calls
the bot makes (auth, validation, pagination of unresolved incidents, a 429 with Retry-After on demand
or when calls come faster than ``min_gap``, a create made and then answered 500), and the public page
people see, at its root."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import escape
from typing import Any

from playground.json_server import Answer
from playground.trackers import StandIn, html_page

STATUSES = ("investigating", "identified", "monitoring", "resolved", "postmortem")
IMPACTS = ("operational", "degraded_performance", "partial_outage", "major_outage", "under_maintenance")
DEFAULT_COMPONENTS = ("API", "Checkout", "Web app", "Search", "Notifications")


@dataclass
class StatusPageStandIn(StandIn):
    auth: str = "OAuth sp-key"
    page_id: str = "page1"
    components: dict[str, dict[str, Any]] = field(default_factory=dict)
    incidents: dict[str, dict[str, Any]] = field(default_factory=dict)
    min_gap: float = 0.0  # seconds: calls closer than this are answered 429 (Statuspage: 1 a second)
    clock: Callable[[], float] = time.time
    too_fast: int = 0  # how many calls came faster than min_gap
    _last_call: float = 0.0

    def __post_init__(self) -> None:
        if not self.components:
            for n, name in enumerate(DEFAULT_COMPONENTS, 1):
                self.components[f"cmp{n}"] = {"id": f"cmp{n}", "name": name, "status": "operational"}

    def answer(self, method: str, path: str, query: dict[str, list[str]], body: Any) -> Answer:
        now = time.monotonic()
        if self.min_gap and now - self._last_call < self.min_gap:
            self.too_fast += 1
            return 429, {"error": "Rate limit exceeded"}, {"Retry-After": "1"}
        self._last_call = now
        base = f"pages/{self.page_id}/"
        if not path.startswith(base):
            return 404, {"error": "Page not found"}, {}
        rest = path.removeprefix(base)
        if method == "GET" and rest == "components":
            return 200, [{**c, "group": False, "group_id": None} for c in self.components.values()], {}
        if method == "GET" and rest == "incidents/unresolved":
            found = [i for i in self.incidents.values() if i["status"] not in ("resolved", "postmortem")]
            size = int((query.get("per_page") or ["100"])[0])
            start = (int((query.get("page") or ["1"])[0]) - 1) * size
            return 200, found[start : start + size], {}
        if method == "GET" and rest == "incidents":  # a search: name or updates hold q
            wanted = (query.get("q") or [""])[0].lower()
            found = [
                i
                for i in self.incidents.values()
                if wanted in i["name"].lower()
                or any(wanted in u["body"].lower() for u in i["incident_updates"])
            ]
            return 200, found[: int((query.get("per_page") or ["100"])[0])], {}
        if method == "POST" and rest == "incidents":
            wrong = self._invalid(body, creating=True)
            if wrong:
                return 422, {"error": wrong}, {}
            made = self._create(body["incident"])
            return self._made((201, made, {}))
        one = rest.removeprefix("incidents/")
        if one in self.incidents and method == "GET":
            return 200, self.incidents[one], {}
        if one in self.incidents and method == "PATCH":
            wrong = self._invalid(body, creating=False)
            if wrong:
                return 422, {"error": wrong}, {}
            return 200, self._update(self.incidents[one], body["incident"]), {}
        return 404, {"error": "Not found"}, {}

    def _invalid(self, body: Any, creating: bool) -> str | None:
        fields = (body or {}).get("incident") if isinstance(body, dict) else None
        if not isinstance(fields, dict):
            return "incident is required"
        if creating and not str(fields.get("name") or "").strip():
            return "name can't be blank"
        if fields.get("status") not in STATUSES:
            return f"status is not included in the list: {fields.get('status')}"
        for cid, impact in (fields.get("components") or {}).items():
            if cid not in self.components or impact not in IMPACTS:
                return f"component {cid}: {impact} is not valid"
        if not isinstance(fields.get("body", ""), str) or len(fields.get("body", "")) > 25000:
            return "body is not valid"
        return None

    def _stamp(self) -> str:
        return datetime.fromtimestamp(self.clock(), UTC).isoformat()

    def _create(self, fields: dict[str, Any]) -> dict[str, Any]:
        incident_id = f"sp{len(self.incidents) + 1}"
        self.incidents[incident_id] = {
            "id": incident_id,
            "name": fields["name"],
            "status": fields["status"],
            "shortlink": f"{self.url}incidents/{incident_id}",
            "created_at": self._stamp(),
            "incident_updates": [],
            "components": [],
        }
        return self._update(self.incidents[incident_id], fields)

    def _update(self, incident: dict[str, Any], fields: dict[str, Any]) -> dict[str, Any]:
        incident["name"] = fields.get("name") or incident["name"]
        incident["status"] = fields["status"]
        for cid, impact in (fields.get("components") or {}).items():
            self.components[cid]["status"] = impact
        affected = fields.get("component_ids")
        if affected is not None:
            incident["components"] = [dict(self.components[c]) for c in affected if c in self.components]
        update = {
            "id": f"u{sum(len(i['incident_updates']) for i in self.incidents.values()) + 1}",
            "status": fields["status"],
            "body": fields.get("body", ""),
            "created_at": self._stamp(),
        }
        incident["incident_updates"].insert(0, update)  # newest first, as Statuspage lists them
        return incident

    def bodies(self) -> list[str]:
        """Every update published, oldest first."""
        with self._lock:
            return [u["body"] for i in self.incidents.values() for u in reversed(i["incident_updates"])]

    def page(self, path: str) -> str | None:
        """The public page: components and incidents, as subscribers see them."""
        if path and not path.startswith("incidents/"):
            return None
        with self._lock:
            wanted = path.removeprefix("incidents/") if path else None
            shown = [i for i in self.incidents.values() if wanted in (None, i["id"])]
            rows = "".join(
                f"<li>{escape(c['name'])}: <b>{escape(c['status'].replace('_', ' '))}</b></li>"
                for c in self.components.values()
            )
            stories = "".join(_story(i) for i in reversed(shown)) or "<p>No incidents reported.</p>"
        return html_page("Acme status", f"<h2>Components</h2><ul>{rows}</ul><h2>Incidents</h2>{stories}")


def _story(incident: dict[str, Any]) -> str:
    updates = "".join(
        f"<p><b>{escape(u['status'].capitalize())}</b> · {escape(u['created_at'][:16].replace('T', ' '))} UTC"
        f"<br>{escape(u['body']).replace(chr(10), '<br>')}</p>"
        for u in incident["incident_updates"]
    )
    return f"<h3>{escape(incident['name'])}</h3>{updates}"
