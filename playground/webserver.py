"""The demo page's HTTP server: the page itself, its state as JSON, a live feed, and acting.

``GET /`` the page (``playground/web``), ``GET /api/state?user=U…&channel=C…`` what that person
sees, ``GET /events`` Server-Sent Events (``changed`` whenever the workspace changes), and
``POST /api/act`` (JSON) what a pretend person does.
"""

from __future__ import annotations

import json
import re
import sys
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import Any
from urllib.parse import parse_qs, urlsplit

from playground.changes import ChangeCounter
from playground.desk import Desk, Done
from playground.page_state import page_state
from playground.state import Workspace

STATIC = re.compile(r"^/([a-z_]+\.(?:html|css|js))$")
TYPES = {"html": "text/html", "css": "text/css", "js": "text/javascript"}
HEARTBEAT = 15.0


def _text(body: dict[str, Any], key: str) -> str:
    value = body.get(key)
    return value if isinstance(value, str) else ""


def _optional(body: dict[str, Any], key: str) -> str | None:
    return _text(body, key) or None


def _dict(body: dict[str, Any], key: str) -> dict[str, Any]:
    value = body.get(key)
    return value if isinstance(value, dict) else {}


ACTS: dict[str, Callable[[Desk, str, dict[str, Any]], Done]] = {
    "command": lambda d, u, b: d.command(u, _text(b, "channel"), _text(b, "text")),
    "message": lambda d, u, b: d.message(u, _text(b, "channel"), _text(b, "text"), _optional(b, "thread_ts")),
    "press": lambda d, u, b: d.press(
        u,
        _dict(b, "action"),
        channel=_optional(b, "channel"),
        message_ts=_optional(b, "message_ts"),
        ephemeral=b.get("ephemeral") is True,
        view_id=_optional(b, "view_id"),
        values=_dict(b, "values"),
    ),
    "submit": lambda d, u, b: d.submit(u, _text(b, "view_id"), _dict(b, "values")),
    "close": lambda d, u, b: d.close(u, _text(b, "view_id")),
    "react": lambda d, u, b: d.react(
        u, _text(b, "channel"), _text(b, "message_ts"), _text(b, "name") or "pushpin"
    ),
    "shortcut": lambda d, u, b: d.shortcut(u, _text(b, "channel"), _text(b, "message_ts")),
    "alert": lambda d, u, b: d.alert(_text(b, "urgency")),
    "reload": lambda d, u, b: d.reload(u),
}


class PageServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self,
        ws: Workspace,
        desk: Desk,
        host: str = "127.0.0.1",
        port: int = 0,
        speed: float = 1.0,
        outside: dict[str, str] | None = None,
        on_first_visit: Callable[[], None] | None = None,
    ):
        self.ws, self.desk, self.speed = ws, desk, speed
        # run once, when the page is first opened (a drill starts when someone can take part)
        self._first_visit = on_first_visit
        self._visited = threading.Lock()
        # the pages of the demo's outside systems (the public status page, the tickets), by name
        self.outside = outside or {}
        self.changes: ChangeCounter = ws.changes
        super().__init__((host, port), _Handler)

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def visited(self) -> None:
        """The page asked for its state: the first time, what waits for a visitor starts."""
        with self._visited:
            start, self._first_visit = self._first_visit, None
        if start is None:
            return
        try:
            start()
        except Exception:
            with self._visited:
                self._first_visit = start  # the next visit tries again
            raise

    def start(self) -> threading.Thread:
        thread = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.1}, name="demo-page", daemon=True
        )
        thread.start()
        return thread

    def stop(self) -> None:
        self.changes.close()  # ends the live feeds
        self.shutdown()
        self.server_close()

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return  # the browser went away
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    server: PageServer
    server_version = "IncidentBotDemo/1.0"
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, data: Any) -> None:
        self._send(status, json.dumps(data).encode(), "application/json; charset=utf-8")

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        if url.path == "/events":
            self._events()
        elif url.path == "/api/state":
            self.server.visited()
            query = {k: v[-1] for k, v in parse_qs(url.query).items()}
            try:
                state = page_state(
                    self.server.ws, self.server.desk, query.get("user", ""), query.get("channel")
                )
            except KeyError:
                self._json(404, {"ok": False, "error": "no such person"})
                return
            state["speed"] = self.server.speed
            self._json(200, state)
        elif url.path.startswith("/files/"):
            self._file(url.path.removeprefix("/files/"))
        elif url.path.startswith("/outside/"):
            target = self.server.outside.get(url.path.removeprefix("/outside/"))
            if target is None:
                self._send(404, b"not part of this demo", "text/plain; charset=utf-8")
                return
            self.send_response(302)
            self.send_header("Location", target)
            self.send_header("Content-Length", "0")
            self.end_headers()
        else:
            self._static("/index.html" if url.path == "/" else url.path)

    def _file(self, file_id: str) -> None:
        """A file the bot uploaded, as plain text (the postmortem is Markdown)."""
        with self.server.ws.lock:
            stored = self.server.ws.files.get(file_id)
            content = stored.content if stored is not None and stored.completed else None
        if content is None:
            self._send(404, b"no such file", "text/plain; charset=utf-8")
            return
        self._send(200, content, "text/plain; charset=utf-8")

    def _static(self, path: str) -> None:
        match = STATIC.match(path)
        resource = resources.files("playground").joinpath("web").joinpath(match.group(1)) if match else None
        if resource is None or not resource.is_file():
            self._send(404, b"not found", "text/plain; charset=utf-8")
            return
        kind = TYPES[path.rsplit(".", 1)[1]]
        self._send(200, resource.read_bytes(), f"{kind}; charset=utf-8")

    def _events(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.close_connection = True
        changes = self.server.changes
        seen = changes.version
        try:
            self.wfile.write(f"retry: 1000\nevent: changed\ndata: {seen}\n\n".encode())
            self.wfile.flush()
            while not changes.closed:
                now = changes.wait_past(seen, HEARTBEAT)
                message = f"event: changed\ndata: {now}\n\n" if now > seen else ": still here\n\n"
                seen = now
                self.wfile.write(message.encode())
                self.wfile.flush()
        except (ConnectionError, ValueError):
            return  # the page was closed or reloaded

    def do_POST(self) -> None:
        if urlsplit(self.path).path != "/api/act":
            self._json(404, {"ok": False, "error": "not found"})
            return
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length > 0 else b""
        if not self.headers.get("Content-Type", "").startswith("application/json"):
            self._json(415, {"ok": False, "error": "send JSON"})  # also keeps other sites' forms out
            return
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = None
        act = ACTS.get(str(body.get("kind"))) if isinstance(body, dict) else None
        user = _text(body, "user") if isinstance(body, dict) else ""
        if act is None or not isinstance(body, dict) or user not in self.server.ws.users:
            self._json(400, {"ok": False, "error": "unknown act or person"})
            return
        done = act(self.server.desk, user, body)
        self._json(200, {"ok": done.ok, "error": done.error})
