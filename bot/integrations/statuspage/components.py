"""The status page's components, for the publish form: read once, kept, read again at most once a
minute. A form must open within 3 seconds of the click, so a stale list is shown at once while a
fresh one is read in the background, and a first read waits a short while at most."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from bot.integrations import http
from bot.integrations.statuspage.client import Component, StatusPage

log = logging.getLogger(__name__)

FRESH_FOR = 60.0  # seconds
FIRST_READ_TIMEOUT = 1.5  # seconds: the form still opens in time when the page is slow
FIRST_READ_WAIT = 0.3  # seconds it may wait for the key's one request a second
RETRY_AFTER_FAILURE = 10.0  # seconds


class Components:
    def __init__(
        self, page: StatusPage, fresh_for: float = FRESH_FOR, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.page, self.fresh_for, self.clock = page, fresh_for, clock
        self._known: list[Component] | None = None
        self._read_at = -fresh_for
        self._reading = False
        self._lock = threading.Lock()

    def listed(self) -> list[Component] | None:
        """The components, or None when they have never been read and could not be now."""
        with self._lock:
            known, stale = self._known, self.clock() - self._read_at >= self.fresh_for
            start = stale and not self._reading
            self._reading = self._reading or start
        if known is None:
            if start:  # the form waits for this: a short read, and no waiting for a turn
                return self._read(FIRST_READ_TIMEOUT, longest=FIRST_READ_WAIT)
            return None
        if start:
            threading.Thread(target=self._read, name="statuspage-components", daemon=True).start()
        return known

    def _read(self, timeout: float = 10, longest: float | None = None) -> list[Component] | None:
        found = None
        try:
            found = self.page.components(timeout=timeout, longest=longest)
        except http.Refused as refused:
            log.warning("could not read the status page's components (%s)", refused)
        except Exception:
            log.exception("reading the status page's components failed")
        finally:
            with self._lock:
                self._reading = False
                if found is not None:
                    self._known, self._read_at = found, self.clock()
                else:
                    self._read_at = self.clock() - self.fresh_for + RETRY_AFTER_FAILURE
                known = self._known
        return known
