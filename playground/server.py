"""``SlackStandIn``: a local Slack (Web API + response URLs + uploads + Socket Mode) for tests."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any, Literal, Self

from playground.api_files import store_upload
from playground.calllog import CallLog, CallPredicate
from playground.changes import ChangeCounter
from playground.faults import ArgsPredicate, FaultInjector, HoldHandle, HookHandle, ReplyHook
from playground.http_server import StandInHTTPServer
from playground.ids import IdFactory
from playground.minting import PayloadMinting
from playground.records import Ack, Call, ResponsePost
from playground.responses import ResponseUrls
from playground.scopes import manifest_scopes
from playground.seed import seed_default
from playground.socket_mode import EnvelopeType, SocketModeServer
from playground.state import Workspace, WorkspaceConfig
from playground.tiers import Tiers
from playground.webapi import ApiReply, WebApi
from playground.workspace_access import WorkspaceAccess


class _Routes:
    """What the HTTP server calls into (see :class:`playground.http_server.Backend`)."""

    def __init__(self, ws: Workspace, web: WebApi, responses: ResponseUrls) -> None:
        self._ws, self._web, self._responses = ws, web, responses

    def api(self, method: str, args: dict[str, Any], token: str | None) -> ApiReply:
        reply = self._web.handle(method, args, token)
        self._ws.changes.after_call(method)
        return reply

    def api_rejected(self, method: str, args: dict[str, Any], token: str | None, error: str) -> ApiReply:
        return self._web.reject(method, args, token, error)

    def response_url(self, response_id: str, body: dict[str, Any]) -> bool:
        url = f"{self._ws.config.http_base}/response/{response_id}"
        recorded = self._responses.record(response_id, url, body)
        if recorded:
            self._ws.changes.bump()
        return recorded

    def upload(self, file_id: str, content: bytes) -> bool:
        return store_upload(self._ws, file_id, content)


class SlackStandIn(WorkspaceAccess, PayloadMinting):
    """Start with ``with SlackStandIn() as slack:``; point the bot at ``slack.api_url``."""

    def __init__(
        self,
        bot_token: str = "xoxb-test",
        app_token: str = "xapp-test",
        team_id: str = "T0TEST",
        bot_user_id: str = "UBOT",
        bot_id: str = "BBOT",
        *,
        app_id: str = "A0TEST",
        trigger_ttl: float = 3.0,
        socket_mode: bool = True,
        seed: bool = True,
        http_port: int = 0,
        now: Callable[[], float] = time.time,
        scopes: frozenset[str] | Literal["manifest"] | None = "manifest",
    ) -> None:
        """``now`` is the clock message ``ts`` follow (seconds since the epoch; default real time)."""
        config = WorkspaceConfig(
            bot_token=bot_token,
            app_token=app_token,
            team_id=team_id,
            bot_user_id=bot_user_id,
            bot_id=bot_id,
            app_id=app_id,
            trigger_ttl=trigger_ttl,
        )
        self._ws = Workspace(config, IdFactory(now=now))
        if seed:
            seed_default(self._ws)
        self._log = CallLog()
        self._faults = FaultInjector()
        self._responses = ResponseUrls()
        granted = manifest_scopes() if scopes == "manifest" else scopes
        self._web = WebApi(self._ws, self._log, self._faults, granted)
        self._socket = SocketModeServer(app_id) if socket_mode else None
        self._http_port = http_port
        self._http: StandInHTTPServer | None = None
        self._http_thread: threading.Thread | None = None

    # ----------------------------------------------------------------- lifecycle
    def start(self) -> Self:
        if self._http is not None:
            return self
        self._http = StandInHTTPServer(_Routes(self._ws, self._web, self._responses), port=self._http_port)
        self._ws.config.http_base = f"http://127.0.0.1:{self._http.port}"
        self._http_thread = threading.Thread(
            target=self._http.serve_forever, kwargs={"poll_interval": 0.05}, name="standin-http", daemon=True
        )
        self._http_thread.start()
        if self._socket is not None:
            self._socket.start()
            self._ws.config.socket_url_factory = self._socket.issue_url
        return self

    def stop(self) -> None:
        self._faults.release_all()
        if self._socket is not None:
            self._socket.stop()
        if self._http is not None:
            self._http.shutdown()
            self._http.server_close()
            self._http = None
        if self._http_thread is not None:
            self._http_thread.join(timeout=5)
            self._http_thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # ----------------------------------------------------------------- addresses and config
    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT`` (valid after :meth:`start`)."""
        return self._ws.config.http_base

    # ----------------------------------------------------------------- the bot's token and scopes
    def refuse_token(self, error: str | None = "invalid_auth") -> None:
        """Every call with the bot token answers ``error`` (a revoked token, an uninstalled app);
        ``None``: accepted again."""
        self._web.refusing = error

    def rotate_token(self, new_token: str) -> None:
        """A new bot token: the old one is refused (``invalid_auth``) from now on."""
        self._ws.config.bot_token = new_token

    def set_scopes(self, scopes: frozenset[str]) -> None:
        """The scopes the app has now (a reinstall with a changed manifest)."""
        self._web.scopes = scopes

    @property
    def scopes(self) -> frozenset[str] | None:
        return self._web.scopes

    @property
    def api_url(self) -> str:
        """What the bot uses as ``SLACK_API_URL`` / WebClient ``base_url`` (ends with ``/``)."""
        return f"{self._ws.config.http_base}/api/"

    @property
    def socket_port(self) -> int:
        return self._socket.port if self._socket is not None else 0

    @property
    def workspace(self) -> Workspace:
        """The live workspace (hold ``workspace.lock`` while reading it), for the demo page."""
        return self._ws

    @property
    def changes(self) -> ChangeCounter:
        """Bumped on every change to the workspace and every response_url post."""
        return self._ws.changes

    @property
    def config(self) -> WorkspaceConfig:
        return self._ws.config

    @property
    def trigger_ttl(self) -> float:
        return self._ws.config.trigger_ttl

    @trigger_ttl.setter
    def trigger_ttl(self, seconds: float) -> None:
        self._ws.config.trigger_ttl = seconds

    def reset(self) -> None:
        """Forget calls, response posts, acks and faults (the workspace itself is kept)."""
        self._log.reset()
        self._responses.reset()
        self._faults.clear()
        if self._socket is not None:
            self._socket.reset()

    # ----------------------------------------------------------------- call log
    def calls(self, method: str | None = None) -> list[Call]:
        return self._log.calls(method)

    def wait_for(self, method: str, predicate: CallPredicate | None = None, timeout: float = 5.0) -> Call:
        """The earliest recorded call to ``method`` matching ``predicate``, waiting if needed."""
        return self._log.wait_for(method, predicate, timeout)

    def wait_for_count(
        self, method: str, count: int, predicate: CallPredicate | None = None, timeout: float = 5.0
    ) -> list[Call]:
        return self._log.wait_for_count(method, count, predicate, timeout)

    def reset_calls(self) -> None:
        self._log.reset()

    def describe_calls(self) -> str:
        return self._log.describe()

    # ----------------------------------------------------------------- faults
    def fail_next(
        self,
        method: str,
        status: int | None = None,
        times: int = 1,
        retry_after: int = 1,
        error: str | None = None,
    ) -> None:
        """Fail the next ``times`` calls to ``method`` (``"*"`` = any method).

        ``status`` defaults to 429 (``Retry-After: retry_after``, ``ratelimited``), or to an
        HTTP 200 ``ok: false`` reply when ``error`` is given; 5xx statuses get an error body.
        """
        effective = status if status is not None else (200 if error is not None else 429)
        self._faults.fail_next(method, effective, times, retry_after, error)

    def set_fault_rates(
        self,
        rate_429: float,
        rate_500: float,
        seed: int = 0,
        methods: set[str] | None = None,
        retry_after: int = 1,
    ) -> None:
        """Random faults from a seeded RNG; ``methods=None`` means all but apps.connections.open."""
        self._faults.set_rates(rate_429, rate_500, seed, methods, retry_after)

    def clear_faults(self) -> None:
        self._faults.clear()

    def enforce_tiers(self, minute: float = 60.0) -> Tiers:
        """From now on answer as Slack's rate limits do (per method a minute; posts per channel), for
        every process that calls; the returned counts say how often the app was limited and how
        often it called before a Retry-After passed (a violation)."""
        tiers = Tiers(minute=minute)
        self._web.tiers = tiers
        return tiers

    def set_latency(self, low: float, high: float | None = None, seed: int = 0) -> None:
        """Answer every Web API call after a random ``low``..``high`` seconds (a seeded RNG), as
        Slack does (roughly 50-300 ms); ``set_latency(0)`` answers at once again."""
        self._faults.set_latency(low, low if high is None else high, seed)

    def before_reply(
        self, method: str, hook: ReplyHook, predicate: ArgsPredicate | None = None
    ) -> HookHandle:
        """Run ``hook(method, args, reply)`` once a call to ``method`` has been carried out and
        before its reply is sent: a test can kill the bot there (Slack did it; the bot never hears)."""
        return self._faults.before_reply(method, hook, predicate)

    def hold(self, method: str, predicate: ArgsPredicate | None = None) -> HoldHandle:
        """Park calls to ``method`` (optionally only those whose args match) until released."""
        return self._faults.hold(method, predicate)

    # ----------------------------------------------------------------- response_url
    def responses(self, url: str | None = None) -> list[dict[str, Any]]:
        """Bodies POSTed to minted response URLs (all, or to one ``url``), in arrival order."""
        return [p.body for p in self._responses.posts(url)]

    def response_posts(self, url: str | None = None) -> list[ResponsePost]:
        return self._responses.posts(url)

    def wait_for_response(self, url: str | None = None, timeout: float = 5.0) -> dict[str, Any]:
        return self._responses.wait_for(url, timeout).body

    # ----------------------------------------------------------------- Socket Mode
    def _sm(self) -> SocketModeServer:
        if self._socket is None:
            raise RuntimeError("this stand-in was created with socket_mode=False")
        return self._socket

    def socket_connected(self, timeout: float = 0.0) -> bool:
        return self._sm().wait_connected(timeout)

    def wait_socket_connected(self, timeout: float = 5.0, count: int = 1, total: int | None = None) -> None:
        """Wait for ``count`` live connections (and ``total`` ever accepted, to await a reconnect)."""
        if not self._sm().wait_connected(timeout, count, total):
            connects = len(self.calls("apps.connections.open"))
            raise AssertionError(
                f"no Socket Mode connection within {timeout}s ({connects} apps.connections.open call(s), "
                f"{self._sm().accepted_total} accepted so far)"
            )

    def connection_count(self) -> int:
        """Live Socket Mode connections (not refreshing, not dropped)."""
        return self._sm().connection_count()

    @property
    def socket_connections_total(self) -> int:
        return self._sm().accepted_total

    def send_envelope(
        self,
        type: EnvelopeType,
        payload: dict[str, Any],
        retry_attempt: int = 0,
        retry_reason: str = "",
    ) -> str:
        return self._sm().send_envelope(type, payload, retry_attempt, retry_reason)

    def wait_for_ack(self, envelope_id: str, timeout: float = 3.0) -> dict[str, Any]:
        """The bot's ack JSON (``{"envelope_id", "payload"?}``); AssertionError on timeout."""
        return self._sm().wait_for_ack(envelope_id, timeout).body

    def ack_record(self, envelope_id: str, timeout: float = 3.0) -> Ack:
        return self._sm().wait_for_ack(envelope_id, timeout)

    def acks(self) -> list[Ack]:
        return self._sm().acks()

    def send_disconnect(self, reason: str = "refresh_requested") -> None:
        self._sm().send_disconnect(reason)

    def refresh_socket(self, warning: float = 0.3, grace: float = 1.0) -> None:
        """Refresh the oldest Socket Mode connection as Slack does (warning, refresh, close)."""
        self._sm().refresh(warning, grace)

    def drop_socket(self) -> None:
        """The network drops the oldest Socket Mode connection, without a word."""
        self._sm().drop_one()

    def drop_socket_connections(self) -> None:
        self._sm().drop_connections()
