"""GitHub issues. A ticket's body ends with a hidden marker line, searched for before a create whose
outcome is unknown is made again. GitHub cannot find people by email: the owner is named in the
body. States are read from a search of the repository's incident issues, 100 a page."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from bot.integrations import http
from bot.integrations.trackers.spec import Made, State, TicketSpec, label

PAGE, MAX_PAGES = 100, 10
LABEL = "incident-bot"


class GitHub:
    system = "github"

    def __init__(self, api_url: str, repo: str, token: str) -> None:
        self.api, self.repo, self.token = api_url, repo, token

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/vnd.github+json"}
        return http.request(method, f"{self.api}{path}", body, headers=headers).body

    def _made(self, issue: dict[str, Any]) -> Made:
        return Made(str(issue["number"]), str(issue.get("html_url") or ""), self.repo)

    def find(self, spec: TicketSpec) -> Made | None:
        query = urlencode({"q": f'repo:{self.repo} is:issue in:body "{marker(spec)}"', "per_page": 1})
        items = (self._call("GET", f"search/issues?{query}") or {}).get("items") or []
        return self._made(items[0]) if items else None

    def create(self, spec: TicketSpec) -> Made:
        body = {
            "title": spec.title[:250],
            "body": markdown(spec),
            "labels": [LABEL, *(label(x) for x in spec.labels)],
        }
        return self._made(self._call("POST", f"repos/{self.repo}/issues", body))

    def close(self, external_id: str) -> None:
        self._call(
            "PATCH",
            f"repos/{self.repo}/issues/{quote(external_id)}",
            {"state": "closed", "state_reason": "completed"},
        )

    def states(self, external_ids: list[str]) -> dict[str, State]:
        wanted, found = set(external_ids), {}
        for page in range(1, MAX_PAGES + 1):
            query = urlencode(
                {"q": f"repo:{self.repo} is:issue label:{LABEL}", "per_page": PAGE, "page": page}
            )
            items = (self._call("GET", f"search/issues?{query}") or {}).get("items") or []
            for item in items:
                number = str(item.get("number"))
                if number in wanted:
                    found[number] = "done" if item.get("state") == "closed" else "open"
            if len(items) < PAGE or len(found) == len(wanted):
                break
        return found  # type: ignore[return-value]


def marker(spec: TicketSpec) -> str:
    return f"incident-bot:{label(spec.marker)}"


def _escape(text: str) -> str:
    """People's words shown as typed: Markdown, HTML and mentions inert."""
    for char in "\\`*_[]<>#|~@":
        text = text.replace(char, "\\" + char)
    return text


def markdown(spec: TicketSpec) -> str:
    parts = [_escape(p) for p in spec.paragraphs if p]
    if spec.owner_name:
        parts.append(f"Owner: {_escape(spec.owner_name)}")
    if spec.link:
        parts.append(f"Incident channel: {spec.link}")
    parts.append(f"<!-- {marker(spec)} -->")
    return "\n\n".join(parts)[:60000]
