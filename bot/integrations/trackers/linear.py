"""Linear (GraphQL). A ticket gets an attachment whose URL names the effect that made it, and the
same marker as the last line of its description (made in the create itself: an attachment is a
second call, which a crash can separate from the first). Both are looked for before a create whose
outcome is unknown is made again. States are read 100 issues a query."""

from __future__ import annotations

from typing import Any

from bot.integrations import http
from bot.integrations.trackers.spec import Made, State, TicketSpec, label

PAGE = 100
MARKER_URL = "https://incident-bot.invalid/effects/"
FIND = (
    "query($marker: String!) { issues(filter: {description: {contains: $marker}}, first: 1)"
    " { nodes { id identifier url } } }"
)
USERS = "query($email: String!) { users(filter: {email: {eq: $email}}) { nodes { id } } }"
DONE_STATES = (
    'query($team: ID!) { workflowStates(filter: {team: {id: {eq: $team}}, type: {eq: "completed"}})'
    " { nodes { id } } }"
)
CREATE = "mutation($input: IssueCreateInput!) { issueCreate(input: $input) { issue { id identifier url } } }"
UPDATE = (
    "mutation($id: String!, $input: IssueUpdateInput!) { issueUpdate(id: $id, input: $input) { success } }"
)
STATES = "query($ids: [ID!]) { issues(filter: {id: {in: $ids}}, first: 100) { nodes { id state { type } } } }"


class Linear:
    system = "linear"

    def __init__(self, api_url: str, team: str, key: str) -> None:
        self.api, self.team, self.key = api_url, team, key
        self._team_id: str | None = None
        self._done_state: str | None = None

    def _query(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        answer = (
            http.request(
                "POST",
                self.api,
                {"query": query, "variables": variables},
                headers={"Authorization": self.key},
            ).body
            or {}
        )
        if answer.get("errors"):
            raise http.Refused(f"Linear answered: {answer['errors'][0].get('message')}", for_good=True)
        return dict(answer.get("data") or {})

    def _made(self, issue: dict[str, Any]) -> Made:
        return Made(str(issue["id"]), str(issue.get("url") or ""), self.team)

    def team_id(self) -> str:
        if self._team_id is None:
            data = self._query(
                "query($key: String!) { teams(filter: {key: {eq: $key}}) { nodes { id } } }",
                {"key": self.team},
            )
            nodes = (data.get("teams") or {}).get("nodes") or []
            if not nodes:
                raise http.Refused(f"Linear has no team {self.team}", for_good=True)
            self._team_id = str(nodes[0]["id"])
        return self._team_id

    def find(self, spec: TicketSpec) -> Made | None:
        data = self._query(
            "query($url: String!) { attachmentsForURL(url: $url) { nodes { issue { id identifier url } } } }",
            {"url": marker_url(spec)},
        )
        nodes = (data.get("attachmentsForURL") or {}).get("nodes") or []
        if nodes:
            return self._made(nodes[0]["issue"])
        data = self._query(FIND, {"marker": marker_url(spec)})
        found = (data.get("issues") or {}).get("nodes") or []
        if not found:
            return None
        self._attach(str(found[0]["id"]), spec)  # the create was made; its attachment was not
        return self._made(found[0])

    def create(self, spec: TicketSpec) -> Made:
        issue: dict[str, Any] = {
            "teamId": self.team_id(),
            "title": spec.title[:250],
            "description": description(spec),
        }
        if spec.due:
            issue["dueDate"] = spec.due.isoformat()
        assignee = self._user(spec.assignee_email) if spec.assignee_email else None
        if assignee:
            issue["assigneeId"] = assignee
        data = self._query(
            CREATE,
            {"input": issue},
        )
        made = (data.get("issueCreate") or {}).get("issue") or {}
        self._attach(str(made["id"]), spec)
        return self._made(made)

    def _attach(self, issue_id: str, spec: TicketSpec) -> None:
        self._query(
            "mutation($input: AttachmentCreateInput!) { attachmentCreate(input: $input) { success } }",
            {"input": {"issueId": issue_id, "url": marker_url(spec), "title": "incident-bot"}},
        )

    def _user(self, email: str) -> str | None:
        data = self._query(
            USERS,
            {"email": email},
        )
        nodes = (data.get("users") or {}).get("nodes") or []
        return str(nodes[0]["id"]) if nodes else None

    def close(self, external_id: str) -> None:
        if self._done_state is None:
            data = self._query(
                DONE_STATES,
                {"team": self.team_id()},
            )
            nodes = (data.get("workflowStates") or {}).get("nodes") or []
            if not nodes:
                raise http.Refused(f"Linear team {self.team} has no completed state", for_good=True)
            self._done_state = str(nodes[0]["id"])
        self._query(
            UPDATE,
            {"id": external_id, "input": {"stateId": self._done_state}},
        )

    def states(self, external_ids: list[str]) -> dict[str, State]:
        found: dict[str, State] = {}
        for start in range(0, len(external_ids), PAGE):
            data = self._query(
                STATES,
                {"ids": external_ids[start : start + PAGE]},
            )
            for node in (data.get("issues") or {}).get("nodes") or []:
                kind = (node.get("state") or {}).get("type")
                found[str(node["id"])] = "done" if kind in ("completed", "canceled") else "open"
        return found


def marker_url(spec: TicketSpec) -> str:
    return MARKER_URL + label(spec.marker)


def description(spec: TicketSpec) -> str:
    """Markdown with people's words escaped (shown as typed)."""

    def escape(text: str) -> str:
        for char in "\\`*_[]<>#|~@":
            text = text.replace(char, "\\" + char)
        return text

    parts = [escape(p) for p in spec.paragraphs if p]
    if spec.owner_name and not spec.assignee_email:
        parts.append(f"Owner: {escape(spec.owner_name)}")
    if spec.link:
        parts.append(f"Incident channel: {spec.link}")
    return "\n\n".join(parts)[:59000] + f"\n\n{marker_url(spec)}"
