"""Incidents read for a claimed batch of Slack effects, once for the batch, kept for their senders.

The claimer shows the Slack adapter each batch it claims (``Adapter.prepare``); its incidents are
read in three queries (with their roles and messages) rather than three for every effect. Each
sender then takes its own by claim; one whose entry is missing (the read failed, or the claim
came by another way) reads its own.
"""

from __future__ import annotations

import threading
import time

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.db.models import Incident
from bot.outbox import store as outbox

# Seconds a prepared incident waits for its sender (it asks within milliseconds; one that never
# asks, say it had to wait for a rate limit, is dropped with the next batch after this).
PREPARED_FOR = 60.0


class PreparedIncidents:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions
        self._read: dict[str, tuple[Incident, float]] = {}  # by claim token, with when
        self._lock = threading.Lock()

    def read(self, batch: list[outbox.Claimed]) -> None:
        """Read the incidents a claimed batch is for, all at once. Read after the claim, as each
        sender would read its own: an edit shows at least the state it was owed for."""
        ids = {claimed.incident_id for claimed in batch if claimed.incident_id is not None}
        if not ids:
            return
        with self._sessions() as session:
            found = {i.id: i for i in session.scalars(select(Incident).where(Incident.id.in_(sorted(ids))))}
        now = time.monotonic()
        with self._lock:
            for stale in [key for key, (_, at) in self._read.items() if now - at > PREPARED_FOR]:
                del self._read[stale]
            for claimed in batch:
                incident = found.get(claimed.incident_id) if claimed.incident_id is not None else None
                if incident is not None:
                    self._read[claimed.token] = (incident, now)

    def take(self, claimed: outbox.Claimed) -> Incident | None:
        """The claimed effect's incident: as its batch read it, or read now (None: it is gone)."""
        with self._lock:
            incident, _ = self._read.pop(claimed.token, (None, 0.0))
        if incident is None and claimed.incident_id is not None:
            with self._sessions() as session:  # read and closed: no transaction is held across Slack calls
                incident = session.get(Incident, claimed.incident_id)
        return incident
