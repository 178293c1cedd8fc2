"""Socket Mode without a gap: several connections to one app, each replaced before it goes.

Slack spreads an app's envelopes over its open connections (up to ten). Every few hours it
refreshes each one: a ``disconnect`` warning, then ``refresh_requested``, then it closes the
socket; and networks drop sockets. slack_sdk's client answers a warning by opening a new socket
and closing the old one at once, losing what Slack had already sent down the old one. Here a
connection asked to refresh keeps reading until Slack closes it, while a fresh connection is
opened beside it; a dropped one reconnects by itself while the others take the commands."""

from __future__ import annotations

import logging
import socket
import threading
import time
from typing import Any

from slack_bolt.adapter.socket_mode.internals import run_bolt_app, send_response
from slack_sdk.errors import SlackClientNotConnectedError
from slack_sdk.socket_mode import SocketModeClient
from slack_sdk.socket_mode.client import BaseSocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest

from bot.app.factory import BotApp

log = logging.getLogger(__name__)

# seconds between pings: a socket dropped without a word is noticed when its pongs stop
PING_INTERVAL = 2.0
# a connection asked to refresh is closed by Slack within seconds; after this, by the bot
RETIRE_AFTER = 30.0


class _Connection(SocketModeClient):
    """One connection that, asked by Slack to refresh, leaves its successor to the pool and reads
    on until its socket closes."""

    def __init__(self, pool: SocketConnections, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.pool = pool
        self.retiring = False

    def _monitor_current_session(self) -> None:
        """Every ping interval: a socket the other end has shut (the network dropped it) is let go
        at once, so it reconnects now instead of after four unanswered pings."""
        session = self.current_session
        if session is not None and _shut_by_peer(session.sock):
            session.disconnect()
        super()._monitor_current_session()  # type: ignore[no-untyped-call]

    def connect_to_new_endpoint(self, force: bool = False) -> None:
        if force:  # slack_sdk forces a reconnect only for Slack's ``disconnect`` messages
            self.pool.refresh(self)
        elif not self.retiring:  # lost: reconnect (the others take the commands meanwhile)
            super().connect_to_new_endpoint(force)


class SocketConnections:
    def __init__(self, bot: BotApp, app_token: str, count: int) -> None:
        self.bot = bot
        self.app_token = app_token
        self.count = count
        self._lock = threading.Lock()
        self._live: list[_Connection] = []
        self._closed = False

    def connect(self) -> None:
        """Open every connection now (raises what the first failure raised)."""
        try:
            for _ in range(self.count):
                self._live.append(self._open())
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        with self._lock:
            self._closed = True
            live, self._live = self._live, []
        for connection in live:
            _close(connection)

    @property
    def open_count(self) -> int:
        with self._lock:
            return len(self._live)

    def refresh(self, old: _Connection) -> None:
        """Slack asked ``old`` to refresh: open its successor beside it; ``old`` reads on until Slack
        closes it (or ``RETIRE_AFTER``)."""
        with self._lock:
            if old.retiring or self._closed:
                return
            old.retiring = True
            old.default_auto_reconnect_enabled = old.auto_reconnect_enabled = False
        threading.Thread(target=self._replace, args=(old,), name="socket-mode-refresh", daemon=True).start()

    def _replace(self, old: _Connection) -> None:
        deadline = time.monotonic() + RETIRE_AFTER
        new: _Connection | None = None
        while new is None and not self._closed and time.monotonic() < deadline:
            try:
                new = self._open()
            except Exception as exc:  # Slack or the network is away: the others carry on
                log.warning("opening a Socket Mode connection failed (%s); trying again", exc)
                time.sleep(1)
        with self._lock:
            if old in self._live:
                self._live.remove(old)
            if new is not None:
                if self._closed:
                    threading.Thread(target=_close, args=(new,), daemon=True).start()
                else:
                    self._live.append(new)
        while old.is_connected() and time.monotonic() < deadline:
            time.sleep(0.2)
        _close(old)

    def _open(self) -> _Connection:
        connection = _Connection(
            self,
            app_token=self.app_token,
            logger=self.bot.bolt.logger,
            web_client=self.bot.bolt.client,
            ping_interval=PING_INTERVAL,
        )
        connection.socket_mode_request_listeners.append(self._handle)
        try:
            connection.connect()
        except BaseException:
            _close(connection)
            raise
        return connection

    def _handle(self, client: BaseSocketModeClient, request: SocketModeRequest) -> None:
        start = time.time()
        response = run_bolt_app(self.bot.bolt, request)
        try:
            send_response(client, request, response, start)
        except SlackClientNotConnectedError:  # its connection went while the listener ran
            other = self._another(client)
            if other is None:
                raise
            log.info("a Socket Mode connection closed before its ack was sent; sent on another")
            send_response(other, request, response, start)

    def _another(self, client: BaseSocketModeClient) -> _Connection | None:
        """A live connection other than ``client`` (None: there is none): an ack names its envelope,
        not the connection it came on."""
        with self._lock:
            live = [c for c in self._live if c is not client]
        return next((c for c in live if c.is_connected()), None)


def _shut_by_peer(sock: Any) -> bool:
    """Whether the peer closed this socket: a peek at the raw stream (under TLS too) reads its end
    without taking any data from the receiving thread."""
    dontwait = getattr(socket, "MSG_DONTWAIT", 0)
    if sock is None or not dontwait:
        return False
    try:
        return socket.socket.recv(sock, 1, socket.MSG_PEEK | dontwait) == b""
    except (BlockingIOError, InterruptedError):
        return False  # open, nothing waiting
    except OSError:
        return True  # reset, or already closed


def _close(connection: _Connection) -> None:
    try:
        connection.close()
    except Exception:  # slack_sdk's client can race its receiver thread on close
        log.debug("closing a Socket Mode connection failed", exc_info=True)
