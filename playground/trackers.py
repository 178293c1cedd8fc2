"""Local Jira, GitHub and Linear for tests and the demo: the calls the bot makes, with state, auth
checks, pagination, a 429 with Retry-After on demand, and a hook that fails a create after making it
(the ticket exists, the caller hears 500), so exactly-once can be tested.
"""

from __future__ import annotations

import json
import random
import re
import threading
import time
from dataclasses import dataclass, field
from html import escape
from typing import Any
from urllib.parse import parse_qs, urlsplit

from playground.json_server import Answer, JsonServer


def html_page(title: str, body: str) -> str:
    """A plain page (``body`` is HTML already escaped; the title is escaped here)."""
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{escape(title)}</title>"
        "<style>body{font:15px/1.5 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem}"
        "pre{white-space:pre-wrap;background:#f6f8fa;padding:1rem;border-radius:6px}</style></head>"
        f"<body><h1>{escape(title)}</h1>{body}</body></html>"
    )


@dataclass
class Seen:
    method: str
    path: str
    body: Any
    status: int
    at: float = field(default_factory=time.time)  # when it was answered
    began: float = 0.0  # when it arrived


@dataclass
class StandIn(JsonServer):
    """What the stand-ins share: the HTTP server, the faults, the log of calls. ``page`` serves the
    people-facing pages (a ticket, a status page) as HTML, without the API's auth."""

    auth: str = ""
    calls: list[Seen] = field(default_factory=list)
    fail_after_create: int = 0  # the next creates are made, then answered 500
    latency: tuple[float, float] | None = None  # each API call answered after (min, max) seconds
    _throttle: int = 0  # the next calls answer 429
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def throttle(self, times: int = 1) -> None:
        with self._lock:
            self._throttle += times

    def seen(self, method: str, path: str = "") -> list[Seen]:
        with self._lock:
            return [c for c in self.calls if c.method == method and c.path.startswith(path)]

    def respond(self, method: str, target: str, headers: dict[str, str], raw: bytes) -> Answer:
        parts = urlsplit(target)
        path, query = parts.path.strip("/"), parse_qs(parts.query)
        body = json.loads(raw) if raw else None
        given = {k.lower(): v for k, v in headers.items()}.get("authorization", "")
        began = time.time()
        if self.latency is not None:
            time.sleep(random.uniform(*self.latency))
        with self._lock:
            throttled = self._throttle > 0
            self._throttle -= 1 if throttled else 0
        if throttled:
            answer: Answer = (429, {"message": "rate limited"}, {"Retry-After": "1"})
        elif given != self.auth:
            answer = (401, {"message": "Unauthorized"}, {})
        else:
            with self._lock:
                answer = self.answer(method, path, query, body)
        with self._lock:
            self.calls.append(Seen(method, path, body, answer[0], began=began))
        return answer

    def _made(self, answer: Answer) -> Answer:
        """A create was made: answered 500 when the hook says so (the caller cannot tell)."""
        if self.fail_after_create > 0:
            self.fail_after_create -= 1
            return 500, {"message": "stand-in: made, then failed"}, {}
        return answer

    def answer(self, method: str, path: str, query: dict[str, list[str]], body: Any) -> Answer:
        raise NotImplementedError


@dataclass
class JiraStandIn(StandIn):
    """Jira Cloud: issues with labels, JQL (labels, key in), transitions to done, user search."""

    auth: str = "Basic Ym90QGV4YW1wbGUuY29tOmppcmEtdG9rZW4="  # bot@example.com:jira-token
    project: str = "OPS"
    issues: dict[str, dict[str, Any]] = field(default_factory=dict)
    accounts: dict[str, str] = field(default_factory=dict)  # email → accountId

    def answer(self, method: str, path: str, query: dict[str, list[str]], body: Any) -> Answer:
        if method == "POST" and path == "rest/api/3/issue":
            fields = body["fields"]
            if fields.get("project", {}).get("key") != self.project:
                return 400, {"errors": {"project": "project is required"}}, {}
            key = f"{self.project}-{len(self.issues) + 1}"
            self.issues[key] = {
                "key": key,
                "fields": {**fields, "status": {"statusCategory": {"key": "new"}}},
            }
            return self._made((201, {"id": str(len(self.issues)), "key": key, "self": f"issue/{key}"}, {}))
        if method == "POST" and path == "rest/api/3/search/jql":
            return 200, self._search(body), {}
        if path.startswith("rest/api/3/user/search"):
            email = (query.get("query") or [""])[0]
            found = self.accounts.get(email)
            return 200, ([{"accountId": found, "emailAddress": email}] if found else []), {}
        transitions = re.fullmatch(r"rest/api/3/issue/([^/]+)/transitions", path)
        if transitions and transitions.group(1) in self.issues:
            issue = self.issues[transitions.group(1)]
            if method == "GET":
                return 200, {"transitions": [{"id": "31", "to": {"statusCategory": {"key": "done"}}}]}, {}
            issue["fields"]["status"] = {"statusCategory": {"key": "done"}}
            return 204, None, {}
        return 404, {"errorMessages": ["Issue does not exist or you do not have permission to see it."]}, {}

    def _search(self, body: dict[str, Any]) -> dict[str, Any]:
        jql = str(body.get("jql") or "")
        label = re.search(r'labels = "([^"]+)"', jql)
        keys = re.search(r"key in \(([^)]*)\)", jql)
        if label:
            found = [i for i in self.issues.values() if label.group(1) in i["fields"].get("labels", [])]
        elif keys:
            wanted = {k.strip().strip('"') for k in keys.group(1).split(",")}
            found = [i for i in self.issues.values() if i["key"] in wanted]
        else:
            found = list(self.issues.values())
        start = int(body.get("nextPageToken") or 0)
        size = int(body.get("maxResults") or 50)
        page = found[start : start + size]
        answer: dict[str, Any] = {"issues": page}
        if start + size < len(found):
            answer["nextPageToken"] = str(start + size)
        return answer

    def done(self, key: str) -> None:
        with self._lock:
            self.issues[key]["fields"]["status"] = {"statusCategory": {"key": "done"}}


@dataclass
class GitHubStandIn(StandIn):
    """GitHub: issues of one repository, closed by PATCH, found by search."""

    auth: str = "Bearer gh-token"
    repo: str = "acme/ops"
    issues: dict[int, dict[str, Any]] = field(default_factory=dict)
    html_base: str = "https://github.example/"  # the demo points it at the stand-in: its issue pages

    def answer(self, method: str, path: str, query: dict[str, list[str]], body: Any) -> Answer:
        if method == "POST" and path == f"repos/{self.repo}/issues":
            number = len(self.issues) + 1
            self.issues[number] = {
                "number": number, "title": body["title"], "body": body.get("body", ""), "state": "open",
                "labels": [{"name": n} for n in body.get("labels", [])],
                "html_url": f"{self.html_base}{self.repo}/issues/{number}",
            }  # fmt: skip
            return self._made((201, self.issues[number], {}))
        one = re.fullmatch(rf"repos/{re.escape(self.repo)}/issues/(\d+)", path)
        if method == "PATCH" and one and int(one.group(1)) in self.issues:
            self.issues[int(one.group(1))]["state"] = body.get("state", "open")
            return 200, self.issues[int(one.group(1))], {}
        if method == "GET" and path == "search/issues":
            return 200, self._search(query), {}
        return 404, {"message": "Not Found"}, {}

    def page(self, path: str) -> str | None:
        if path == f"{self.repo}/issues":
            with self._lock:
                rows = "".join(
                    f"<li><a href='/{self.repo}/issues/{n}'>#{n} {escape(i['title'])}</a>"
                    f" · {escape(i['state'])}</li>"
                    for n, i in sorted(self.issues.items(), reverse=True)
                )
            return html_page(f"{self.repo}: issues", f"<ul>{rows}</ul>" if rows else "<p>No issues yet.</p>")
        one = re.fullmatch(rf"{re.escape(self.repo)}/issues/(\d+)", path)
        if not one:
            return None
        with self._lock:
            issue = self.issues.get(int(one.group(1)))
        if issue is None:
            return html_page("Not found", "<p>No such issue.</p>")
        labels = ", ".join(escape(label["name"]) for label in issue["labels"])
        return html_page(
            f"{issue['title']} · #{issue['number']}",
            f"<p><b>{escape(issue['state'])}</b> · labels: {labels}</p><pre>{escape(issue['body'])}</pre>",
        )

    def _search(self, query: dict[str, list[str]]) -> dict[str, Any]:
        q = (query.get("q") or [""])[0]
        body_marker = re.search(r'in:body "([^"]+)"', q)
        label = re.search(r"label:(\S+)", q)
        found = list(self.issues.values())
        if body_marker:
            found = [i for i in found if body_marker.group(1) in i["body"]]
        if label:
            found = [i for i in found if any(x["name"] == label.group(1) for x in i["labels"])]
        size = int((query.get("per_page") or ["30"])[0])
        page = int((query.get("page") or ["1"])[0])
        return {"total_count": len(found), "items": found[(page - 1) * size : page * size]}

    def close(self, number: int) -> None:
        with self._lock:
            self.issues[number]["state"] = "closed"


@dataclass
class LinearStandIn(StandIn):
    """Linear's GraphQL, the few operations the bot sends (matched by their field names)."""

    auth: str = "lin-api-key"
    team: str = "ENG"
    issues: dict[str, dict[str, Any]] = field(default_factory=dict)
    attachments: dict[str, str] = field(default_factory=dict)  # url → issue id
    users: dict[str, str] = field(default_factory=dict)  # email → user id

    def answer(self, method: str, path: str, query: dict[str, list[str]], body: Any) -> Answer:
        text, given = str((body or {}).get("query") or ""), dict((body or {}).get("variables") or {})
        if "teams(" in text:
            nodes = [{"id": "team-1"}] if given.get("key") == self.team else []
            return 200, {"data": {"teams": {"nodes": nodes}}}, {}
        if "attachmentsForURL" in text:
            issue = self.issues.get(self.attachments.get(given.get("url", ""), ""))
            return 200, {"data": {"attachmentsForURL": {"nodes": [{"issue": issue}] if issue else []}}}, {}
        if "issueCreate" in text:
            issue_id = f"lin-{len(self.issues) + 1}"
            issue = {
                "id": issue_id,
                "identifier": f"{self.team}-{len(self.issues) + 1}",
                "url": f"https://linear.example/{issue_id}",
            }
            self.issues[issue_id] = {**issue, "state": {"type": "unstarted"}, "input": given.get("input")}
            return self._made((200, {"data": {"issueCreate": {"issue": issue}}}, {}))
        if "attachmentCreate" in text:
            self.attachments[given["input"]["url"]] = given["input"]["issueId"]
            return 200, {"data": {"attachmentCreate": {"success": True}}}, {}
        if "users(" in text:
            found = self.users.get(given.get("email", ""))
            return 200, {"data": {"users": {"nodes": [{"id": found}] if found else []}}}, {}
        if "workflowStates" in text:
            return 200, {"data": {"workflowStates": {"nodes": [{"id": "state-done"}]}}}, {}
        if "issueUpdate" in text and given.get("id") in self.issues:
            self.issues[given["id"]]["state"] = {"type": "completed"}
            return 200, {"data": {"issueUpdate": {"success": True}}}, {}
        if "issues(" in text and "description" in text:
            marker = given.get("marker", "")
            nodes = [
                i for i in self.issues.values() if marker in str((i.get("input") or {}).get("description"))
            ]
            return (
                200,
                {
                    "data": {
                        "issues": {
                            "nodes": [{k: i[k] for k in ("id", "identifier", "url")} for i in nodes[:1]]
                        }
                    }
                },
                {},
            )
        if "issues(" in text:
            nodes = [
                {"id": i["id"], "state": i["state"]}
                for k, i in self.issues.items()
                if k in set(given.get("ids") or [])
            ]
            return 200, {"data": {"issues": {"nodes": nodes}}}, {}
        return 200, {"errors": [{"message": "stand-in: unknown operation"}]}, {}

    def complete(self, issue_id: str) -> None:
        with self._lock:
            self.issues[issue_id]["state"] = {"type": "completed"}
