"""Telling a database outage apart from a bug, and saying so once instead of once per tick."""

from __future__ import annotations

import logging
import threading
import time

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from bot.db.writers import WriterBusy

log = logging.getLogger("bot.database")


# Waiting for another change's lock too long, or losing a deadlock: the database is there and busy.
_CONTENTION = ("LockNotAvailable", "DeadlockDetected", "SerializationFailure", "QueryCanceled")


def is_contention(exc: BaseException) -> bool:
    """Another change held what this one needed for too long (the database itself is fine)."""
    if isinstance(exc, WriterBusy):
        return True
    if not isinstance(exc, DBAPIError):
        return False
    orig = exc.orig
    return type(orig).__name__ in _CONTENTION or "database is locked" in str(orig)


def is_outage(exc: BaseException) -> bool:
    """The database could not be reached or did not answer (not a bug in a query, not a lock wait)."""
    if is_contention(exc):
        return False
    if isinstance(exc, OperationalError | InterfaceError | PoolTimeout):
        return True
    return isinstance(exc, DBAPIError) and bool(exc.connection_invalidated)


def reason(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


class DatabaseWatch:
    """One warning when the database goes away, one line when it is back."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._down_since: float | None = None
        self.errors = 0  # database failures met, outages included (a metric)

    @property
    def down(self) -> bool:
        return self._down_since is not None

    def failed(self, exc: BaseException) -> bool:
        """Note a failure; True when it is an outage (already logged once), False for anything else."""
        if not is_outage(exc):
            return False
        with self._lock:
            self.errors += 1
            if self._down_since is None:
                self._down_since = time.monotonic()
                log.warning("the database is unreachable (%s); retrying until it is back", reason(exc))
        return True

    def worked(self) -> None:
        with self._lock:
            if self._down_since is None:
                return
            gone = time.monotonic() - self._down_since
            self._down_since = None
        log.warning("the database is back after %.0f s; resuming", gone)
