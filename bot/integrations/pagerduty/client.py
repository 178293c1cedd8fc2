"""The few REST calls the bot makes to PagerDuty (``Authorization: Token token=…``, API v2)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from bot.integrations import http

PAGE = 100  # PagerDuty's classic pagination: limit, offset, more


@dataclass(frozen=True)
class OnCallPerson:
    name: str
    email: str
    level: int
    until: datetime | None = None  # the end of their shift (None: a permanent layer)


class PagerDuty:
    def __init__(self, api_url: str, token: str, timeout: float = 10) -> None:
        self.api_url, self.token, self.timeout = api_url, token, timeout

    def _headers(self, sender: str | None = None) -> dict[str, str]:
        headers = {
            "Authorization": f"Token token={self.token}",
            "Accept": "application/vnd.pagerduty+json;version=2",
        }
        if sender:
            headers["From"] = sender
        return headers

    def _get(self, path: str, query: list[tuple[str, str]]) -> Any:
        url = f"{self.api_url}{path}?{urlencode(query)}"
        return http.request("GET", url, headers=self._headers(), timeout=self.timeout).body or {}

    def oncalls(self, *, schedule: str | None = None, policy: str | None = None) -> list[OnCallPerson]:
        """Who is on call now for a schedule or an escalation policy (every page of the answer)."""
        query = [("include[]", "users"), ("earliest", "true"), ("limit", str(PAGE))]
        if schedule:
            query.append(("schedule_ids[]", schedule))
        if policy:
            query.append(("escalation_policy_ids[]", policy))
        people: list[OnCallPerson] = []
        offset = 0
        while True:
            page = self._get("oncalls", [*query, ("offset", str(offset))])
            for entry in page.get("oncalls") or []:
                user = entry.get("user") or {}
                if user.get("email"):
                    level = int(entry.get("escalation_level") or 1)
                    name = str(user.get("summary") or user.get("name") or "")
                    people.append(OnCallPerson(name, str(user["email"]), level, _when(entry.get("end"))))
            if not page.get("more"):
                return people
            offset += int(page.get("limit") or PAGE)

    def exists(self, kind: str, object_id: str) -> bool:
        """Whether a schedule or escalation policy exists (for ``config check``)."""
        try:
            self._get(f"{kind}/{object_id}", [])
        except http.Refused as refused:
            if refused.status == 404:
                return False
            raise
        return True

    def set_status(self, incident_id: str, status: str, sender: str) -> None:
        """Acknowledge or resolve a PagerDuty incident as ``sender`` (a PagerDuty user's email)."""
        body = {"incident": {"type": "incident_reference", "status": status}}
        url = f"{self.api_url}incidents/{incident_id}"
        http.request("PUT", url, body, headers=self._headers(sender), timeout=self.timeout)


def _when(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
