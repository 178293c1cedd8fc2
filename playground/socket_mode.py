"""A Socket Mode endpoint speaking Slack's envelope protocol over a plain WebSocket.

slack_sdk's builtin client connects without TLS to any port other than 443, expects a
``hello`` message first, answers pings, and acks each envelope with ``{"envelope_id", "payload"?}``.
"""

from __future__ import annotations

import contextlib
import json
import secrets
import socket
import threading
import time
import uuid
from http import HTTPStatus
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit

from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.sync.server import Server, ServerConnection, serve

from playground.records import Ack

EnvelopeType = Literal["slash_commands", "interactive", "events_api"]


class DispatchFailed(RuntimeError):
    """No live connection took the envelope: what Slack shows the person as ``dispatch_failed``."""


class SocketModeServer:
    def __init__(self, app_id: str = "A0TEST", host: str = "127.0.0.1") -> None:
        self.app_id = app_id
        self.host = host
        self._cond = threading.Condition()
        self._tickets: set[str] = set()
        self._connections: list[ServerConnection] = []
        self._retiring: set[ServerConnection] = set()
        self._accepted = 0
        self._acks: dict[str, Ack] = {}
        self._sent_at: dict[str, float] = {}
        self._turn = 0  # envelopes go round the live connections, as Slack spreads them
        self._server: Server | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    # ----------------------------------------------------------------- lifecycle
    def start(self) -> None:
        server = serve(
            self._handle,
            self.host,
            0,
            process_request=self._check_ticket,
            compression=None,
            close_timeout=1,
        )
        self._server = server
        self.port = int(server.socket.getsockname()[1])
        # Connection threads inherit this thread's daemon flag, so a forgotten stop() never hangs exit.
        self._thread = threading.Thread(target=server.serve_forever, name="standin-socket-mode", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def issue_url(self) -> str:
        """What apps.connections.open returns: a single-use ticketed URL."""
        ticket = secrets.token_hex(16)
        with self._cond:
            self._tickets.add(ticket)
        return f"ws://{self.host}:{self.port}/link/?ticket={ticket}&app_id={self.app_id}"

    # ----------------------------------------------------------------- protocol
    def _check_ticket(self, connection: ServerConnection, request: Request) -> Response | None:
        url = urlsplit(request.path)
        ticket = (parse_qs(url.query).get("ticket") or [""])[0]
        with self._cond:
            if url.path.rstrip("/") == "/link" and ticket in self._tickets:
                self._tickets.discard(ticket)
                return None
        return connection.respond(HTTPStatus.UNAUTHORIZED, "invalid or reused ticket\n")

    def _handle(self, connection: ServerConnection) -> None:
        with self._cond:
            count = len(self._connections) + 1
        hello = {
            "type": "hello",
            "num_connections": count,
            "debug_info": {
                "host": "applink-standin",
                "build_number": 1,
                "approximate_connection_time": 18060,
            },
            "connection_info": {"app_id": self.app_id},
        }
        try:
            connection.send(json.dumps(hello))  # hello first, before any envelope can be sent
            with self._cond:
                self._connections.append(connection)
                self._accepted += 1
                retiring = list(self._retiring)  # they leave the set when their handler exits
                self._cond.notify_all()
            for old in retiring:  # like Slack: the refreshed connection goes once its successor is up
                threading.Thread(target=old.close, name="standin-socket-retire", daemon=True).start()
            for message in connection:
                self._on_message(message)
        except ConnectionClosed:
            pass
        finally:
            with self._cond:
                if connection in self._connections:
                    self._connections.remove(connection)
                self._retiring.discard(connection)
                self._cond.notify_all()

    def _on_message(self, message: str | bytes) -> None:
        try:
            body = json.loads(message)
        except ValueError:
            return
        if not isinstance(body, dict) or not isinstance(body.get("envelope_id"), str):
            return
        envelope_id = body["envelope_id"]
        with self._cond:
            ack = Ack(envelope_id, body, time.time(), self._sent_at.get(envelope_id))
            self._acks.setdefault(envelope_id, ack)
            self._cond.notify_all()

    # ----------------------------------------------------------------- test API
    def _active(self) -> list[ServerConnection]:
        return [c for c in self._connections if c not in self._retiring]

    def connection_count(self) -> int:
        """Open connections not asked to refresh (a ``disconnect`` message retires one)."""
        with self._cond:
            return len(self._active())

    @property
    def accepted_total(self) -> int:
        """Connections accepted since start, so tests can wait for a reconnect."""
        with self._cond:
            return self._accepted

    def wait_connected(self, timeout: float, count: int = 1, total: int | None = None) -> bool:
        def ready() -> bool:
            return len(self._active()) >= count and (total is None or self._accepted >= total)

        with self._cond:
            return self._cond.wait_for(ready, timeout)

    def _current(self) -> ServerConnection:
        with self._cond:
            active = self._active()
            if not active:
                raise DispatchFailed("no Socket Mode client is connected")
            return active[-1]

    def _deliver(self, text: str) -> None:
        """Send on one of the live connections, in turn (another if that one turns out closed)."""
        with self._cond:
            active = self._active()
            self._turn += 1
            turn = self._turn
        if not active:
            raise DispatchFailed("no Socket Mode client is connected")
        for n in range(len(active)):
            try:
                active[(turn + n) % len(active)].send(text)
                return
            except ConnectionClosed:
                continue
        raise DispatchFailed("every Socket Mode connection was closed")

    def send_envelope(
        self,
        envelope_type: EnvelopeType,
        payload: dict[str, Any],
        retry_attempt: int = 0,
        retry_reason: str = "",
        accepts_response_payload: bool | None = None,
    ) -> str:
        """Deliver one envelope to the newest connection; returns its envelope_id."""
        envelope_id = str(uuid.uuid4())
        accepts = (
            envelope_type != "events_api" if accepts_response_payload is None else accepts_response_payload
        )
        envelope: dict[str, Any] = {
            "envelope_id": envelope_id,
            "payload": payload,
            "type": envelope_type,
            "accepts_response_payload": accepts,
        }
        if envelope_type == "events_api":  # Slack only sends retry fields with Events API envelopes
            envelope["retry_attempt"] = retry_attempt
            envelope["retry_reason"] = retry_reason
        with self._cond:
            self._sent_at[envelope_id] = time.time()
        self._deliver(json.dumps(envelope))
        return envelope_id

    def send_disconnect(self, reason: str = "refresh_requested") -> None:
        """Ask the newest client to reconnect; this connection is closed once a new one is up."""
        connection = self._current()
        with self._cond:
            self._retiring.add(connection)
        connection.send(json.dumps(_disconnect(reason)))

    def refresh(self, warning: float = 0.3, grace: float = 1.0) -> None:
        """Refresh the oldest connection as Slack does, in the background: a ``disconnect`` warning,
        ``warning`` seconds later ``refresh_requested`` (no more envelopes on it), and ``grace``
        seconds after that the socket is closed, whether or not the app has reconnected."""
        with self._cond:
            active = self._active()
        if not active:
            raise DispatchFailed("no Socket Mode client is connected")
        connection = active[0]

        def steps() -> None:
            try:
                connection.send(json.dumps(_disconnect("warning")))
                time.sleep(warning)
                with self._cond:
                    self._retiring.add(connection)
                connection.send(json.dumps(_disconnect("refresh_requested")))
            except ConnectionClosed:
                return
            time.sleep(grace)
            connection.close()

        threading.Thread(target=steps, name="standin-socket-refresh", daemon=True).start()

    def drop_one(self) -> None:
        """The network drops the oldest connection: no warning, no close frame, the socket is gone."""
        with self._cond:
            active = self._active()
            if not active:
                raise DispatchFailed("no Socket Mode client is connected")
            connection = active[0]
            self._retiring.add(connection)  # Slack sees it go at once
        # shut, not closed here: its handler closes it. Closing the descriptor under the handler's
        # feet lets a new connection reuse the number, which the old handler then shuts too.
        with contextlib.suppress(OSError):
            connection.socket.shutdown(socket.SHUT_RDWR)

    def drop_connections(self) -> None:
        """Close every connection abruptly-ish (close frame, no disconnect warning)."""
        with self._cond:
            connections = list(self._connections)
        for connection in connections:
            connection.close()

    def wait_for_ack(self, envelope_id: str, timeout: float) -> Ack:
        with self._cond:
            if not self._cond.wait_for(lambda: envelope_id in self._acks, timeout):
                raise AssertionError(
                    f"no ack for envelope {envelope_id} within {timeout}s "
                    f"({len(self._acks)} ack(s) received, {len(self._connections)} connection(s) open)"
                )
            return self._acks[envelope_id]

    def acks(self) -> list[Ack]:
        with self._cond:
            return sorted(self._acks.values(), key=lambda a: a.received_at)

    def reset(self) -> None:
        with self._cond:
            self._acks.clear()
            self._sent_at.clear()


def _disconnect(reason: str) -> dict[str, Any]:
    return {"type": "disconnect", "reason": reason, "debug_info": {"host": "applink-standin"}}
