"""A local HTTP receiver standing in for PagerDuty's Events API and a webhook: records JSON posts."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Receiver:
    def __init__(self) -> None:
        self.posts: list[tuple[str, dict[str, Any]]] = []
        self.fail_next = 0  # the next posts to any path answer 500
        self.failing: dict[str, list[int]] = {}  # path → the statuses its next posts answer
        self.attempts: dict[str, int] = {}  # path → every post, answered or failed
        self._lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with outer._lock:
                    outer.attempts[self.path] = outer.attempts.get(self.path, 0) + 1
                    planned = outer.failing.get(self.path) or []
                    if planned:
                        status = planned.pop(0)
                    elif outer.fail_next > 0:
                        status, outer.fail_next = 500, outer.fail_next - 1
                    else:
                        status = 202
                    if status < 300:
                        outer.posts.append((self.path, json.loads(body)))
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"status": "success"}')

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def fail(self, path: str, *statuses: int) -> None:
        """The next posts to ``path`` answer these statuses, in order (then 202 again)."""
        with self._lock:
            self.failing[path] = list(statuses)

    def tried(self, path: str) -> int:
        with self._lock:
            return self.attempts.get(path, 0)

    def received(self, path: str) -> list[dict[str, Any]]:
        with self._lock:
            return [body for p, body in self.posts if p == path]

    def wait(self, path: str, count: int = 1, timeout: float = 10) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = self.received(path)
            if len(got) >= count:
                return got
            time.sleep(0.05)
        raise AssertionError(f"expected {count} posts to {path}, got {self.received(path)}")
