"""Jira (Cloud REST v3, or Data Center with a personal access token).

A ticket carries the label ``incident-bot-<marker>``, found with JQL before a create whose outcome
is unknown is made again; its description is Atlassian Document Format, every person's text in a
text node (never concatenated into markup). States are read 100 tickets per search."""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import quote

from bot.integrations import http
from bot.integrations.trackers.spec import Made, State, TicketSpec, label

PAGE = 100


class Jira:
    system = "jira"

    def __init__(
        self, base_url: str, project: str, issue_type: str, *, email: str = "", token: str = "", pat: str = ""
    ) -> None:
        self.base, self.project, self.issue_type = base_url, project, issue_type
        if pat:
            self.auth = f"Bearer {pat}"
        else:
            self.auth = "Basic " + base64.b64encode(f"{email}:{token}".encode()).decode()
        self._accounts: dict[str, str | None] = {}

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        headers = {"Authorization": self.auth}
        return http.request(method, f"{self.base}{path}", body, headers=headers).body

    def _made(self, key: str) -> Made:
        return Made(key, f"{self.base}browse/{key}", self.project)

    def find(self, spec: TicketSpec) -> Made | None:
        jql = f'project = "{self.project}" AND labels = "{marker(spec)}"'
        found = self._call("POST", "rest/api/3/search/jql", {"jql": jql, "fields": ["key"], "maxResults": 1})
        issues = (found or {}).get("issues") or []
        return self._made(str(issues[0]["key"])) if issues else None

    def create(self, spec: TicketSpec) -> Made:
        fields: dict[str, Any] = {
            "project": {"key": self.project},
            "issuetype": {"name": self.issue_type},
            "summary": spec.title[:250],
            "description": adf(spec),
            "labels": [*(label(x) for x in spec.labels), marker(spec)],
        }
        if spec.due:
            fields["duedate"] = spec.due.isoformat()
        account = self._account(spec.assignee_email) if spec.assignee_email else None
        if account:
            fields["assignee"] = {"accountId": account}
        made = self._call("POST", "rest/api/3/issue", {"fields": fields})
        return self._made(str(made["key"]))

    def _account(self, email: str) -> str | None:
        if email not in self._accounts:
            found = self._call("GET", f"rest/api/3/user/search?query={quote(email)}") or []
            self._accounts[email] = str(found[0]["accountId"]) if found else None
        return self._accounts[email]

    def close(self, external_id: str) -> None:
        key = quote(external_id)
        moves = (self._call("GET", f"rest/api/3/issue/{key}/transitions") or {}).get("transitions") or []
        done = next(
            (t for t in moves if ((t.get("to") or {}).get("statusCategory") or {}).get("key") == "done"), None
        )
        if done is None:
            raise http.Refused(f"Jira offers {external_id} no transition to done", for_good=True)
        self._call("POST", f"rest/api/3/issue/{key}/transitions", {"transition": {"id": done["id"]}})

    def states(self, external_ids: list[str]) -> dict[str, State]:
        found: dict[str, State] = {}
        for start in range(0, len(external_ids), PAGE):
            keys = ", ".join(f'"{k}"' for k in external_ids[start : start + PAGE])
            body: dict[str, Any] = {"jql": f"key in ({keys})", "fields": ["status"], "maxResults": PAGE}
            while True:
                page = self._call("POST", "rest/api/3/search/jql", body) or {}
                for issue in page.get("issues") or []:
                    category = (
                        ((issue.get("fields") or {}).get("status") or {}).get("statusCategory") or {}
                    ).get("key")
                    found[str(issue["key"])] = "done" if category == "done" else "open"
                if not page.get("nextPageToken"):
                    break
                body = {**body, "nextPageToken": page["nextPageToken"]}
        return found


def marker(spec: TicketSpec) -> str:
    return f"incident-bot-{label(spec.marker)}"[:255]


def _text(text: str, link: str | None = None) -> dict[str, Any]:
    node: dict[str, Any] = {"type": "text", "text": text}
    if link:
        node["marks"] = [{"type": "link", "attrs": {"href": link}}]
    return node


def adf(spec: TicketSpec) -> dict[str, Any]:
    """The description as an Atlassian Document: one paragraph per part, people's words as text."""
    content = [{"type": "paragraph", "content": [_text(p)]} for p in spec.paragraphs if p]
    if spec.link:
        content.append(
            {"type": "paragraph", "content": [_text("Incident channel: "), _text(spec.link, spec.link)]}
        )
    return {"type": "doc", "version": 1, "content": content}
