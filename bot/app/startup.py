"""Starting the bot, honestly: everything that can fail before it serves is tried first, and a
failure is one line naming the setting and what to do, never a traceback.

Order: the log level, the database (its URL, its driver, a connection, the migrations), Slack
(``auth.test`` with the bot token), then the port (HTTP mode) or the Socket Mode connection.
What the bot logs meanwhile is held back and shown once it serves; a failure shows only its line
(with ``LOG_LEVEL=DEBUG``, the held lines too). Only these known failures are caught here: any
other exception is a bug and keeps its traceback.
"""

from __future__ import annotations

import errno
import logging
import re
import socket
import urllib.error
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from logging.handlers import MemoryHandler
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine

from bot.runtime import logs

if TYPE_CHECKING:
    from bot.app.factory import BotApp
    from bot.config.policy import Policy
    from bot.config.settings import Settings

log = logging.getLogger(__name__)

URL_EXAMPLES = "sqlite:///incident-bot.db or postgresql+psycopg://user:password@host:5432/db"
POSTGRES_EXTRA = "pip install 'incident-bot[postgres]'"
START_TIMEOUT = 10.0  # seconds to wait for the database at start-up (a slow network, a cold server)


class StartupError(Exception):
    """Something the bot needs is missing or refuses; the message is one line naming the setting."""


# -- logs ---------------------------------------------------------------------------------------
class HeldLogs:
    """The log lines of start-up, held until the bot serves (or dropped if it cannot start)."""

    def __init__(self, level: int, kind: str = "text", secrets: Iterable[str] = ()) -> None:
        self.level = level
        self.output = logging.StreamHandler()
        self.output.setFormatter(logs.formatter(kind))
        self.held = MemoryHandler(capacity=100_000, flushLevel=logging.CRITICAL + 1, target=self.output)
        redact = logs.Redact(secrets)  # on both: a held line is hidden before it waits
        self.output.addFilter(redact)
        self.held.addFilter(redact)
        root = logging.getLogger()
        root.setLevel(level)
        root.addHandler(self.held)
        # Alembic names each of its autogenerate plugins on every start: not news at INFO.
        if level > logging.DEBUG:
            logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)

    def release(self) -> None:
        """From now on log lines go straight out, after the ones held so far."""
        root = logging.getLogger()
        root.addHandler(self.output)
        root.removeHandler(self.held)
        self.held.flush()

    def drop(self) -> None:
        """Start-up failed: its one line says why. At DEBUG the held lines are shown first."""
        if self.level > logging.DEBUG:
            self.held.buffer.clear()
        self.release()


def log_level(name: str) -> int:
    level = logging.getLevelNamesMapping().get(name.strip().upper())
    if level is None:
        raise StartupError(f"LOG_LEVEL: {name!r} is not a log level; use DEBUG, INFO, WARNING or ERROR")
    return level


# -- the database -------------------------------------------------------------------------------
def where(url: str) -> str:
    """The database a URL names, for a message: never its password."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return str(Path(parsed.database).resolve()) if parsed.database else ":memory:"
    host = f"{parsed.host or 'localhost'}:{parsed.port or 5432}"
    return f"{host}/{parsed.database or ''}"


def missing_database(url: str) -> str | None:
    """The SQLite file ``url`` names, when it does not exist (opening it would create it)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError:  # a malformed URL is open_engine's to explain
        return None
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return None if Path(parsed.database).exists() else parsed.database


def require_database(url: str) -> None:
    """For the commands that read the bot's database: say so when there is none (and create none)."""
    missing = missing_database(url)
    if missing:
        raise StartupError(
            f"no database at {missing}: run this in the bot's directory, or set DATABASE_URL to its database"
        )


def _check_url(url: str) -> str:
    """The backend a well-formed URL names (sqlite or postgresql), or StartupError."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        backend = make_url(url).get_backend_name()
    except ArgumentError:
        shown = re.sub(r"(//[^:/@]*:)[^@]*@", r"\1***@", url)  # never a password, even a misplaced one
        raise StartupError(
            f"DATABASE_URL: {shown!r} is not a database URL; write it like {URL_EXAMPLES}"
        ) from None
    if backend == "postgres":
        raise StartupError(f"DATABASE_URL: write postgresql+psycopg:// instead of {url.split(':')[0]}://")
    if backend not in ("sqlite", "postgresql"):
        raise StartupError(
            f"DATABASE_URL: incident-bot runs on SQLite or PostgreSQL, not {backend}; write it like "
            f"{URL_EXAMPLES}"
        )
    return backend


def _hint(reason: str) -> str:
    text = reason.lower()
    if "password" in text or "authentication" in text or ("role" in text and "does not exist" in text):
        return "check the user and password in DATABASE_URL"
    if "database" in text and "does not exist" in text:
        return "create the database first, or fix its name in DATABASE_URL"
    if "resolve host" in text or "name or service not known" in text:
        return "check the host name in DATABASE_URL"
    if "unable to open database file" in text:
        return "does its folder exist, and may the bot write there?"
    return "is the database running, and reachable from here?"


def _reason(exc: BaseException) -> str:
    """The driver's own words, on one line: 'connection refused', not the whole report."""
    lines = str(getattr(exc, "orig", None) or exc).strip().splitlines() or [type(exc).__name__]
    text = " ".join(lines[0].split())
    tail = re.search(r'connection to server at "[^"]*"(?: \([^)]*\))?, port \d+ failed: (.*)$', text)
    if tail:
        text = tail.group(1)
    text = re.sub(r"^(FATAL|ERROR):\s*", "", text)
    return text[:1].lower() + text[1:] if text[:2] != text[:2].upper() else text


def open_engine(url: str, timeout: float = START_TIMEOUT) -> Engine:
    """An engine for ``url`` that has answered once, or StartupError saying what is wrong."""
    from sqlalchemy.exc import DBAPIError

    from bot.db.engine import make_engine

    backend = _check_url(url)
    try:
        engine = make_engine(url, timeout=timeout)
    except ImportError as exc:
        module = exc.name or "the database driver"
        if backend == "postgresql" and module == "psycopg2":
            raise StartupError(
                "DATABASE_URL: write postgresql+psycopg:// (psycopg 3, the postgres extra), not postgresql://"
            ) from None
        raise StartupError(
            f"DATABASE_URL names PostgreSQL, but its driver is not installed (no module {module!r}): "
            f"{POSTGRES_EXTRA}"
        ) from None
    try:
        with engine.connect():
            pass
    except DBAPIError as exc:
        engine.dispose()
        reason = _reason(exc)
        raise StartupError(
            f"DATABASE_URL: cannot connect to {where(url)} ({reason}); {_hint(reason)}"
        ) from None
    return engine


@dataclass(frozen=True)
class Prepared:
    """What migrating did: the copy of the SQLite file taken first, and the incidents found without
    any history (lost by an earlier upgrade; it cannot come back)."""

    copy: Path | None
    without_history: list[str]

    def warning(self) -> str | None:
        if not self.without_history:
            return None
        shown = ", ".join(self.without_history[:10]) + (" …" if len(self.without_history) > 10 else "")
        return (
            f"{len(self.without_history)} incident(s) have no timeline at all ({shown}): an upgrade by an "
            "earlier incident-bot (before schema 0008, on SQLite) deleted their history, roles, updates "
            "and follow-ups; they cannot be rebuilt from this database. Restore a copy taken before that "
            "upgrade if you have one."
        )


def prepare_database(url: str, timeout: float = START_TIMEOUT) -> Prepared:
    """Connect once, then apply the migrations (what ``incident-bot run`` and ``db upgrade`` do)."""
    from alembic.util.exc import CommandError
    from sqlalchemy.exc import OperationalError

    from bot.db.migrate import ForeignKeysBroken, upgrade, without_history

    open_engine(url, timeout).dispose()
    try:
        copy = upgrade(url)
        return Prepared(copy, without_history(url))
    except OperationalError as exc:  # the server went away, a locked or read-only file, a full disk
        raise StartupError(f"DATABASE_URL: migrating {where(url)} failed ({_reason(exc)})") from None
    except ForeignKeysBroken as exc:
        raise StartupError(f"DATABASE_URL: migrating {where(url)} was undone: {exc}") from None
    except CommandError as exc:  # e.g. a revision this version does not know: a newer bot migrated it
        raise StartupError(
            f"DATABASE_URL: cannot migrate {where(url)} ({exc}); was it migrated by a newer incident-bot?"
        ) from None


# -- Slack --------------------------------------------------------------------------------------
def _printable(name: str, value: str) -> None:
    odd = next((c for c in value if not (c.isascii() and c.isprintable()) or c.isspace()), None)
    if odd is not None:
        raise StartupError(
            f"{name}: the value contains {odd!r}, which no Slack token has; paste the whole token "
            "from the Slack app's settings"
        )


def _unreachable(exc: BaseException) -> str:
    reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
    if isinstance(reason, OSError) and reason.strerror:
        text = reason.strerror
    else:
        text = str(reason) or type(reason).__name__
    return text[:1].lower() + text[1:]


def check_slack(settings: Settings) -> None:
    """``auth.test`` with the bot token: Slack is reachable at SLACK_API_URL and takes the token."""
    from slack_sdk.errors import SlackApiError

    from bot.slack.client import make_web_client

    _printable("SLACK_BOT_TOKEN", settings.slack_bot_token)
    if settings.slack_app_token:
        _printable("SLACK_APP_TOKEN", settings.slack_app_token)
    client = make_web_client(settings.slack_bot_token, settings.slack_api_url, retries=False)
    try:
        client.auth_test()
    except SlackApiError as exc:
        raise StartupError(_refused("SLACK_BOT_TOKEN", "bot token", exc, settings.slack_api_url)) from None
    except (OSError, urllib.error.URLError) as exc:  # URLError is an OSError; named for the reader
        raise StartupError(
            f"SLACK_API_URL: cannot reach Slack at {settings.slack_api_url} ({_unreachable(exc)}); "
            "check the network (or proxy) and SLACK_API_URL"
        ) from None


def _refused(name: str, what: str, exc: BaseException, api_url: str) -> str:
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", 200)
    data = getattr(response, "data", None)
    error = data.get("error") if isinstance(data, dict) else None
    if status != 200 or not error:
        return f"SLACK_API_URL: {api_url} answered HTTP {status}, not as Slack's Web API does; check it"
    page = "OAuth & Permissions" if name == "SLACK_BOT_TOKEN" else "Basic Information → App-Level Tokens"
    return f"{name}: Slack rejected the {what} ({error}); copy it again from the app's {page}"


# -- listening ----------------------------------------------------------------------------------
def listen_http(bot: BotApp, settings: Settings) -> Callable[[], None]:
    """Bind HOST:PORT now (so a port in use is a start-up failure); returns what serves it."""
    from bot.app.server import serve_server

    server = bind_http(bot, settings)
    return lambda: serve_server(bot, server, settings.host, settings.port)


def bind_http(bot: BotApp, settings: Settings) -> Any:
    """The HTTP server on HOST:PORT, bound (StartupError when it cannot be)."""
    from bot.app.server import http_server

    try:
        socket.getaddrinfo(settings.host, settings.port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise StartupError(f"HOST: {settings.host!r} is not an address here ({exc.strerror})") from None
    try:
        server = http_server(bot, settings.host, settings.port, settings.http_threads)
    except OSError as exc:
        at = f"{settings.host}:{settings.port}"
        if exc.errno == errno.EADDRINUSE:
            raise StartupError(
                f"PORT: {at} is already in use; stop what is listening there or set PORT to a free port"
            ) from None
        if exc.errno == errno.EACCES:
            raise StartupError(f"PORT: not allowed to listen on {at}; use a port above 1023") from None
        if exc.errno == errno.EADDRNOTAVAIL:
            raise StartupError(f"HOST: {settings.host} is not an address of this machine") from None
        raise StartupError(f"PORT: cannot listen on {at} ({_unreachable(exc)})") from None
    return server


def connect_socket_mode(bot: BotApp, settings: Settings) -> Callable[[], None]:
    """Open the Socket Mode connection now; returns what serves it."""
    from slack_sdk.errors import SlackApiError

    from bot.app.server import serve_connected
    from bot.app.socket_pool import SocketConnections

    assert settings.slack_app_token
    # alert senders reach the bot over HTTP in Socket Mode too (and /healthz with them)
    http = bind_http(bot, settings) if settings.pagerduty_webhook_secret or settings.alerts_token else None
    handler = SocketConnections(bot, settings.slack_app_token, settings.socket_mode_connections)
    try:
        handler.connect()
    except SlackApiError as exc:
        if http is not None:
            http.close()
        raise StartupError(
            _refused("SLACK_APP_TOKEN", "app-level token", exc, settings.slack_api_url)
        ) from None
    except OSError as exc:
        if http is not None:
            http.close()
        raise StartupError(
            f"SLACK_APP_TOKEN: cannot open the Socket Mode connection ({_unreachable(exc)}); check the "
            "network (or proxy)"
        ) from None
    return lambda: serve_connected(bot, handler, http)


# -- all of it ----------------------------------------------------------------------------------
def run(settings: Settings, policy: Policy) -> None:
    """Start the bot and serve until SIGTERM or Ctrl-C; StartupError when it cannot start."""
    from slack_bolt.error import BoltError

    from bot.app.factory import create_app

    held = HeldLogs(log_level(settings.log_level), settings.log_format, settings.secrets())
    try:
        prepared = prepare_database(settings.database_url, max(START_TIMEOUT, settings.database_timeout))
        if prepared.copy is not None:
            log.info("copied the database to %s before migrating it", prepared.copy)
        if prepared.warning():
            log.warning("%s", prepared.warning())
        check_slack(settings)
        try:
            bot = create_app(settings, policy)
        except BoltError as exc:  # auth.test again, inside Bolt: it passed a moment ago
            raise StartupError(f"SLACK_BOT_TOKEN: Slack refused the bot token ({exc})") from None
        try:
            serve = connect_socket_mode(bot, settings) if settings.socket_mode else listen_http(bot, settings)
        except StartupError:
            bot.close(timeout=1)
            raise
    except StartupError:
        held.drop()
        raise
    except BaseException:
        held.release()  # a bug: what was logged, then its traceback
        raise
    held.release()
    serve()
