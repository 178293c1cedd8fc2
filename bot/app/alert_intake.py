"""``POST /alerts/pagerduty``, ``/alerts/alertmanager`` and ``/alerts/generic``: verified, validated
and committed before they are answered.

202 once the alert is saved (the same delivery again: 202, nothing twice); 401 for a wrong or
missing signature or token (nothing stored); 400 with a one-line reason for a body that is not the
sender's shape; 413 over 1 MB; 404 for an endpoint whose secret or token is not set; 503 while the
database does not answer, so the sender retries. Never a 500, never a post before the commit.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from typing import Any

from bot.db.health import is_contention, is_outage
from bot.incidents import alerts
from bot.integrations.alerts import alertmanager, checks, generic, pagerduty
from bot.runtime.context import Context

log = logging.getLogger(__name__)

StartResponse = Callable[..., Any]
MAX_BODY = 1024 * 1024
PARSERS: dict[str, Callable[[Any], list[alerts.Signal]]] = {
    "pagerduty": pagerduty.signals,
    "alertmanager": alertmanager.signals,
    "generic": generic.signals,
}


def _answer(start_response: StartResponse, status: str, body: dict[str, Any]) -> list[bytes]:
    start_response(status, [("Content-Type", "application/json")])
    return [json.dumps(body).encode()]


def intake(ctx: Context) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    settings = ctx.settings

    def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        source = str(environ.get("PATH_INFO") or "").removeprefix("/alerts/")
        secret = settings.pagerduty_webhook_secret if source == "pagerduty" else settings.alerts_token
        if source not in PARSERS or not secret:
            return _answer(start_response, "404 Not Found", {"error": "no such alert endpoint here"})
        if environ.get("REQUEST_METHOD") != "POST":
            return _answer(start_response, "405 Method Not Allowed", {"error": "POST the alert"})
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > MAX_BODY:
            return _answer(start_response, "413 Content Too Large", {"error": "the body is over 1 MB"})
        body = environ["wsgi.input"].read(min(length, MAX_BODY + 1)) if length else b""
        if len(body) > MAX_BODY:
            return _answer(start_response, "413 Content Too Large", {"error": "the body is over 1 MB"})
        try:
            if source == "pagerduty":
                checks.pagerduty_signature(secret, body, environ.get("HTTP_X_PAGERDUTY_SIGNATURE"))
            else:
                checks.bearer(secret, environ.get("HTTP_AUTHORIZATION"))
        except checks.Unverified as unverified:
            log.warning("refused an alert on /alerts/%s: %s", source, unverified)
            ctx.metrics.alerts.labels(source, "refused").inc()
            return _answer(start_response, "401 Unauthorized", {"error": str(unverified)})
        try:
            data = json.loads(body.decode("utf-8"))
            signals = PARSERS[source](data)
        except (UnicodeDecodeError, ValueError):
            ctx.metrics.alerts.labels(source, "refused").inc()
            return _answer(start_response, "400 Bad Request", {"error": "the body is not JSON"})
        except checks.Malformed as malformed:
            ctx.metrics.alerts.labels(source, "refused").inc()
            return _answer(start_response, "400 Bad Request", {"error": str(malformed)})
        try:
            received = alerts.receive(ctx.sessions, ctx.policy, signals, ctx.clock())
        except Exception as exc:
            if not is_outage(exc) and not is_contention(exc):
                log.exception("taking an alert on /alerts/%s failed", source)
            else:
                ctx.database.failed(exc)
            return _answer(
                start_response, "503 Service Unavailable", {"error": "nothing was saved; send it again"}
            )
        ctx.metrics.alerts.labels(source, "taken").inc()
        answer = {"taken": received.taken, "repeated": received.repeated, "declared": received.declared}
        if not signals:
            answer["ignored"] = "not an incident event"
        return _answer(start_response, "202 Accepted", answer)

    return application
