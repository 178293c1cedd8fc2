"""A local PagerDuty for tests and the demo: the REST calls the bot makes (on-calls with classic
pagination, schedules and escalation policies, incidents acknowledged and resolved), token checks,
429s and 500s on demand, and the webhooks PagerDuty sends (signed v3 events).

Schedules rotate on a clock: each has its people in order and a shift length; who is on call is
``people[(now - start) // shift % len(people)]``. The demo passes its own fast clock.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

from playground.json_server import Answer, JsonServer

TOKEN = "pd-test-token"


@dataclass
class Schedule:
    people: list[str]  # user ids, in rotation order
    shift: float  # seconds each person is on call
    start: float = 0.0

    def on_call(self, now: float) -> str:
        return self.people[int((now - self.start) // self.shift) % len(self.people)]

    def shift_end(self, now: float) -> float:
        return self.start + (int((now - self.start) // self.shift) + 1) * self.shift


@dataclass
class Call:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any
    status: int


@dataclass
class PagerDutyStandIn(JsonServer):
    """``with PagerDutyStandIn() as pd:``; point the bot's ``PAGERDUTY_API_URL`` at ``pd.url``."""

    token: str = TOKEN
    clock: Callable[[], float] = time.time
    users: dict[str, dict[str, str]] = field(default_factory=dict)  # id → {name, email}
    schedules: dict[str, Schedule] = field(default_factory=dict)
    policies: dict[str, dict[int, str]] = field(default_factory=dict)  # id → {level: schedule id}
    incidents: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    page_size: int = 100  # what it answers per page, whatever the limit asked
    _faults: list[tuple[str, int, int]] = field(default_factory=list)  # (path prefix, status, retry after)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # ------------------------------------------------------------------ set-up
    def add_user(self, user_id: str, name: str, email: str) -> None:
        self.users[user_id] = {"name": name, "email": email}

    def add_schedule(
        self, schedule_id: str, people: list[str], shift: float, start: float | None = None
    ) -> None:
        self.schedules[schedule_id] = Schedule(people, shift, self.clock() if start is None else start)

    def add_policy(self, policy_id: str, levels: dict[int, str]) -> None:
        self.policies[policy_id] = levels

    def add_incident(self, incident_id: str, title: str = "", status: str = "triggered") -> None:
        self.incidents[incident_id] = {"id": incident_id, "title": title, "status": status}

    def fail_next(self, path: str, status: int = 500, times: int = 1, retry_after: int = 1) -> None:
        """The next ``times`` calls whose path starts with ``path`` answer ``status``."""
        with self._lock:
            self._faults.extend([(path, status, retry_after)] * times)

    def requests(self, method: str, path: str = "") -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method and c.path.startswith(path)]

    # ------------------------------------------------------------------ the API
    def respond(self, method: str, target: str, headers: dict[str, str], raw: bytes) -> Answer:
        parts = urlsplit(target)
        path, query = parts.path.strip("/"), parse_qs(parts.query)
        body = json.loads(raw) if raw else None
        status, reply, extra = self._answer(method, path, query, headers, body)
        with self._lock:
            self.calls.append(Call(method, path, query, headers, body, status))
        return status, reply, extra

    def _answer(
        self, method: str, path: str, query: dict[str, list[str]], headers: dict[str, str], body: Any
    ) -> tuple[int, Any, dict[str, str]]:
        with self._lock:
            fault = next((f for f in self._faults if path.startswith(f[0].strip("/"))), None)
            if fault is not None:
                self._faults.remove(fault)
        if fault is not None:
            extra = {"Retry-After": str(fault[2])} if fault[1] == 429 else {}
            return fault[1], {"error": {"message": "stand-in fault"}}, extra
        auth = {k.lower(): v for k, v in headers.items()}.get("authorization", "")
        if auth != f"Token token={self.token}":
            return 401, {"error": {"message": "Unauthorized", "code": 2006}}, {}
        if method == "GET" and path == "oncalls":
            return 200, self._oncalls(query), {}
        if method == "GET" and path.startswith(("schedules/", "escalation_policies/")):
            kind, _, object_id = path.partition("/")
            known = self.schedules if kind == "schedules" else self.policies
            return (
                (200, {kind[:-1]: {"id": object_id}}, {}) if object_id in known else (404, {"error": {}}, {})
            )
        if method == "PUT" and path.startswith("incidents/"):
            return self._update(path.partition("/")[2], headers, body)
        return 404, {"error": {"message": "not in the stand-in"}}, {}

    def _oncalls(self, query: dict[str, list[str]]) -> dict[str, Any]:
        now = self.clock()
        entries: list[dict[str, Any]] = []
        for schedule_id in query.get("schedule_ids[]", []):
            if schedule_id in self.schedules:
                entries.append(self._entry(self.schedules[schedule_id], 1, schedule_id, now))
        for policy_id in query.get("escalation_policy_ids[]", []):
            for level, schedule_id in sorted(self.policies.get(policy_id, {}).items()):
                if schedule_id in self.schedules:
                    entries.append(self._entry(self.schedules[schedule_id], level, schedule_id, now))
        offset = int((query.get("offset") or ["0"])[0])
        limit = min(int((query.get("limit") or ["25"])[0]), self.page_size)
        page = entries[offset : offset + limit]
        return {"oncalls": page, "limit": limit, "offset": offset, "more": offset + limit < len(entries)}

    def _entry(self, schedule: Schedule, level: int, schedule_id: str, now: float) -> dict[str, Any]:
        user_id = schedule.on_call(now)
        user = self.users.get(user_id, {"name": user_id, "email": ""})
        end = datetime.fromtimestamp(schedule.shift_end(now), UTC).isoformat().replace("+00:00", "Z")
        return {
            "escalation_level": level,
            "schedule": {"id": schedule_id, "type": "schedule_reference"},
            "user": {"id": user_id, "type": "user", "summary": user["name"], "email": user["email"]},
            "start": None,
            "end": end,
        }

    def _update(
        self, incident_id: str, headers: dict[str, str], body: Any
    ) -> tuple[int, Any, dict[str, str]]:
        sender = {k.lower(): v for k, v in headers.items()}.get("from", "")
        if not any(u["email"] == sender for u in self.users.values()):
            return 400, {"error": {"message": "Requester User Not Found", "code": 2100}}, {}
        incident = self.incidents.get(incident_id)
        if incident is None:
            return 404, {"error": {"message": "Not Found"}}, {}
        status = ((body or {}).get("incident") or {}).get("status")
        if status not in ("acknowledged", "resolved"):
            return 400, {"error": {"message": "Invalid Input Provided"}}, {}
        incident["status"] = status
        return 200, {"incident": incident}, {}


# ---------------------------------------------------------------------- webhooks PagerDuty sends


def sign(secret: str, body: bytes) -> str:
    """``X-PagerDuty-Signature`` for ``body``."""
    return "v1=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def incident_event(
    event_type: str,
    incident_id: str,
    title: str = "Checkout API 5xx",
    urgency: str = "high",
    event_id: str | None = None,
    service: str = "checkout",
) -> dict[str, Any]:
    """A Webhooks v3 incident event, as PagerDuty sends it."""
    status = {"incident.acknowledged": "acknowledged", "incident.resolved": "resolved"}.get(
        event_type, "triggered"
    )
    return {
        "event": {
            "id": event_id or uuid.uuid4().hex[:20].upper(),
            "event_type": event_type,
            "resource_type": "incident",
            "occurred_at": "2026-12-04T12:00:00Z",
            "agent": None,
            "client": None,
            "data": {
                "id": incident_id,
                "type": "incident",
                "html_url": f"https://example.pagerduty.com/incidents/{incident_id}",
                "number": 1,
                "status": status,
                "title": title,
                "urgency": urgency,
                "service": {"id": "PSVC01", "summary": service, "type": "service_reference"},
                "priority": None,
                "incident_key": incident_id,
            },
        }
    }


def alertmanager_group(*alerts: dict[str, Any], status: str = "firing") -> dict[str, Any]:
    """An Alertmanager (version 4) webhook carrying ``alerts`` (each: status, labels, annotations,
    startsAt, fingerprint, generatorURL)."""
    return {
        "version": "4",
        "groupKey": '{}:{alertname="HighErrorRate"}',
        "status": status,
        "receiver": "incident-bot",
        "groupLabels": {},
        "commonLabels": {},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager.local",
        "alerts": list(alerts),
    }


def am_alert(name: str, fingerprint: str, status: str = "firing", **labels: str) -> dict[str, Any]:
    return {
        "status": status,
        "labels": {"alertname": name, **labels},
        "annotations": {"summary": f"{name} on checkout", "description": "Errors above 5% for 5 minutes"},
        "startsAt": "2026-12-04T12:00:00Z",
        "endsAt": "0001-01-01T00:00:00Z",
        "generatorURL": "http://prometheus.local/graph?g0.expr=errors",
        "fingerprint": fingerprint,
    }
