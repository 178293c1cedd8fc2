"""The stand-in's HTTP side: ``/api/<method>``, ``/response/<id>``, ``/upload/<file id>``."""

from __future__ import annotations

import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol
from urllib.parse import urlsplit

from playground.http_body import BodyError, parse_body, parse_query, response_url_body, upload_content
from playground.webapi import ApiReply


class Backend(Protocol):
    def api(self, method: str, args: dict[str, Any], token: str | None) -> ApiReply: ...

    def api_rejected(self, method: str, args: dict[str, Any], token: str | None, error: str) -> ApiReply: ...

    def response_url(self, response_id: str, body: dict[str, Any]) -> bool: ...

    def upload(self, file_id: str, content: bytes) -> bool: ...


class StandInHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
    allow_reuse_address = True

    def __init__(self, backend: Backend, host: str = "127.0.0.1", port: int = 0) -> None:
        self.backend = backend
        super().__init__((host, port), _Handler)

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return  # the client went away (e.g. a test killed the bot mid-call)
        super().handle_error(request, client_address)


def _bearer(header: str | None) -> str | None:
    if header and header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return None


class _Handler(BaseHTTPRequestHandler):
    server: StandInHTTPServer
    server_version = "SlackStandIn/1.0"

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_GET(self) -> None:
        self._route()

    def do_POST(self) -> None:
        self._route()

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _send(
        self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None
    ) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)
        except ConnectionError:
            self.close_connection = True

    def _send_text(self, status: int, text: str) -> None:
        self._send(status, text.encode(), "text/plain; charset=utf-8")

    def _route(self) -> None:
        url = urlsplit(self.path)
        body = self._read_body()
        content_type = self.headers.get("Content-Type", "")
        path = url.path
        if path.startswith("/api/"):
            self._api(path[len("/api/") :], url.query, content_type, body)
        elif path.startswith("/response/") and self.command == "POST":
            self._response_url(path[len("/response/") :], content_type, body)
        elif path.startswith("/upload/") and self.command == "POST":
            ok = self.server.backend.upload(path[len("/upload/") :], upload_content(content_type, body))
            self._send_text(200 if ok else 404, f"OK - {len(body)}" if ok else "file_not_found")
        elif path == "/health":
            self._send_text(200, "ok")
        else:
            self._send_text(404, "not found")

    def _api(self, method: str, query: str, content_type: str, body: bytes) -> None:
        args = parse_query(query)
        token = _bearer(self.headers.get("Authorization"))
        backend = self.server.backend
        try:
            args.update(parse_body(content_type, body))
        except BodyError as exc:
            reply = backend.api_rejected(method, args, token or args.get("token"), exc.error)
        else:
            if token is None and isinstance(args.get("token"), str):
                token = args["token"]
            reply = backend.api(method, args, token)
        payload = json.dumps(reply.body).encode()
        self._send(reply.status, payload, "application/json; charset=utf-8", reply.headers)

    def _response_url(self, response_id: str, content_type: str, body: bytes) -> None:
        try:
            parsed = response_url_body(content_type, body)
        except BodyError:
            self._send_text(400, "invalid_payload")
            return
        if self.server.backend.response_url(response_id, parsed):
            self._send_text(200, "ok")
        else:
            self._send_text(404, "no_such_url")
