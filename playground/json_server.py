"""The HTTP side every outside system's stand-in shares: a server on a free local port, JSON in and
out, and people-facing HTML pages (a ticket, a status page) beside the API."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import urlsplit

Answer = tuple[int, Any, dict[str, str]]  # status, JSON body, extra headers


class JsonServer:
    """``with Subclass() as server:`` serves ``respond`` (the API) and ``page`` (HTML) at ``url``."""

    _server: ThreadingHTTPServer | None = None

    def respond(self, method: str, target: str, headers: dict[str, str], raw: bytes) -> Answer:
        raise NotImplementedError

    def page(self, path: str) -> str | None:
        """A people-facing page at ``path`` (None: it is an API call)."""
        return None

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/"

    def __enter__(self) -> Self:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                html = outer.page(urlsplit(self.path).path.strip("/")) if method == "GET" else None
                if html is not None:
                    self._send(200, html.encode(), "text/html; charset=utf-8", {})
                    return
                status, body, headers = outer.respond(method, self.path, dict(self.headers), raw)
                content = b"" if status == 204 else json.dumps(body).encode()
                self._send(status, content, "application/json", headers)

            def _send(self, status: int, content: bytes, kind: str, headers: dict[str, str]) -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(content)

            def do_GET(self) -> None:
                self._handle("GET")

            def do_POST(self) -> None:
                self._handle("POST")

            def do_PUT(self) -> None:
                self._handle("PUT")

            def do_PATCH(self) -> None:
                self._handle("PATCH")

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
