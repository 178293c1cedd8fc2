"""Serving the bot: HTTP mode behind waitress, or Socket Mode; both stop cleanly on SIGTERM."""

from __future__ import annotations

import hmac
import json
import logging
import os
import signal
import threading
from collections.abc import Callable, Iterable
from types import FrameType
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST
from slack_bolt.adapter.wsgi import SlackRequestHandler
from waitress.server import create_server

from bot.app.alert_intake import intake
from bot.app.factory import BotApp
from bot.app.request_guard import guard
from bot.app.socket_pool import SocketConnections
from bot.db.health import reason
from bot.outbox import holds, upkeep
from bot.outbox.holds import Hold

log = logging.getLogger(__name__)

StartResponse = Callable[..., Any]


def wsgi_app(bot: BotApp) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    """``POST /slack/events`` for everything Slack sends; ``GET /healthz`` for load balancers;
    ``GET /metrics`` for Prometheus; ``POST /alerts/…`` for alert senders."""
    slack = guard(SlackRequestHandler(bot.bolt, path="/slack/events"), bot.ctx.settings.slack_signing_secret)

    def health(start_response: StartResponse) -> list[bytes]:
        status, body = health_report(bot)
        start_response(status, [("Content-Type", "application/json")])
        return [json.dumps(body).encode()]

    alerts = intake(bot.ctx)

    def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = str(environ.get("PATH_INFO") or "")
        if path == "/healthz" and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            return health(start_response)
        if path == "/metrics" and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            return metrics(bot, environ, start_response)
        if path.startswith("/alerts/"):
            return alerts(environ, start_response)
        return slack(environ, start_response)

    return application


def metrics(bot: BotApp, environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
    """Prometheus' scrape: off unless METRICS=1 or METRICS_TOKEN (then a bearer token is needed)."""
    settings = bot.ctx.settings

    def say(status: str, text: str) -> list[bytes]:
        start_response(status, [("Content-Type", "text/plain; charset=utf-8")])
        return [text.encode()]

    if not settings.metrics and not settings.metrics_token:
        return say("404 Not Found", "metrics are off: set METRICS=1 (or METRICS_TOKEN)\n")
    if settings.metrics_token:
        given = str(environ.get("HTTP_AUTHORIZATION") or "")
        if not hmac.compare_digest(given.encode(), f"Bearer {settings.metrics_token}".encode()):
            return say("401 Unauthorized", "send Authorization: Bearer <METRICS_TOKEN>\n")
    start_response("200 OK", [("Content-Type", CONTENT_TYPE_LATEST)])
    return [bot.ctx.metrics.scrape()]


def health_report(bot: BotApp) -> tuple[str, dict[str, Any]]:
    """200 with the outbox backlog while the database answers and no system refuses the bot; 503
    saying why when the database does not answer or Slack (or another system) refuses the bot."""
    try:
        with bot.ctx.sessions() as session:
            backlog = upkeep.backlog(session)
            held = holds.active(session)
    except Exception as exc:
        return "503 Service Unavailable", {"ok": False, "database": reason(exc)}
    oldest = backlog.oldest
    age = round((bot.ctx.clock() - oldest).total_seconds(), 1) if oldest else 0.0
    refused = {h.adapter: h for h in held if h.kind is None}
    body: dict[str, Any] = {
        "ok": not refused,
        "database": "ok",
        "slack": _said(refused["slack"]) if "slack" in refused else "ok",
        "outbox": {"pending": backlog.pending, "failed": backlog.failed, "oldest_pending_seconds": age},
    }
    for hold in held:
        if hold.adapter != "slack" and hold.kind is None:
            body[hold.adapter] = _said(hold)
    missing = sorted(h.detail for h in held if h.kind is not None and h.detail)
    if missing:
        body["missing_scopes"] = missing
    return ("503 Service Unavailable" if refused else "200 OK"), body


def _said(hold: Hold) -> str:
    return f"refused: {hold.reason} since {hold.since.isoformat(timespec='seconds')}"


def _on_stop(stop: Callable[[], None]) -> None:
    def handler(signum: int, _frame: FrameType | None) -> None:
        log.info("received %s: stopping", signal.Signals(signum).name)
        stop()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


def _finish(bot: BotApp) -> None:
    grace = bot.ctx.settings.shutdown_grace
    if bot.close(timeout=grace):
        log.info("stopped")
        return
    busy = sorted(
        t.name for t in threading.enumerate() if t is not threading.current_thread() and t.is_alive()
    )
    log.warning(
        "work still running after %ss (Slack retries); stopping anyway: what was committed is kept "
        "and the scheduler finishes the Slack side after the restart (still running: %s)",
        grace,
        ", ".join(busy) or "nothing",
    )
    logging.shutdown()
    os._exit(0)  # worker threads would otherwise keep the process alive until their retries end


def _exit() -> None:
    raise SystemExit(0)


def http_server(bot: BotApp, host: str, port: int, threads: int) -> Any:
    """The HTTP server, bound to ``host:port`` (OSError when it cannot be: a port in use)."""
    return create_server(
        wsgi_app(bot), host=host, port=port, threads=threads, backlog=1024, ident="incident-bot"
    )


def serve_server(bot: BotApp, server: Any, host: str, port: int) -> None:
    """Serve until SIGTERM or Ctrl-C, with the scheduler running; then stop cleanly."""
    _on_stop(_exit)
    log.info("serving HTTP on %s:%s (POST /slack/events, GET /healthz)", host, port)
    bot.start_scheduler()
    try:
        server.run()  # returns once the stop signal raised SystemExit inside its loop
    finally:
        server.task_dispatcher.shutdown()
        _finish(bot)


def serve_http(bot: BotApp, host: str, port: int, threads: int) -> None:
    serve_server(bot, http_server(bot, host, port, threads), host, port)


def serve_connected(bot: BotApp, handler: SocketConnections, http: Any = None) -> None:
    """Serve a connected Socket Mode handler until SIGTERM or Ctrl-C (and, given ``http``, alert
    senders and /healthz over HTTP beside it); then stop cleanly."""
    stopped = threading.Event()
    _on_stop(stopped.set)
    log.info("connected to Slack in Socket Mode (%d connections)", handler.open_count)
    if http is not None:
        threading.Thread(target=http.run, name="http", daemon=True).start()
        log.info("serving HTTP on %s (POST /alerts/…, GET /healthz)", http.effective_host)
    bot.start_scheduler()
    try:
        stopped.wait()
    finally:
        if http is not None:
            http.close()
        handler.close()
        _finish(bot)
