"""Incident histories for insight tests, made with the domain functions at explicit times (no sleeping).

``History(sessions, policy, start)`` declares incidents and drives them; every call takes the
minutes after ``start`` at which it happens. Kinds the scheduler records (reminders, escalations,
pages) are written as the scheduler writes them.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from bot.config.policy import Policy
from bot.db.engine import transaction
from bot.db.models import Incident, Status
from bot.incidents import declare, fields, followups, queries, resolution, roles, timeline, updates
from bot.insights.history import measured
from bot.insights.metrics import IncidentMetrics


class History:
    def __init__(self, sessions: sessionmaker[Session], policy: Policy, start: datetime) -> None:
        self.sessions, self.policy, self.start = sessions, policy, start

    def at(self, minutes: float) -> datetime:
        return self.start + timedelta(minutes=minutes)

    def declare(
        self,
        minutes: float = 0,
        severity: str = "P1",
        *,
        title: str = "Checkout down",
        commander: str | None = "U0IC",
        private: bool = False,
        drill: bool = False,
        service: str = "",
        **field_values: str,
    ) -> int:
        declaration = declare.validate(
            self.policy,
            title=title,
            severity=severity,
            declared_by="U0DECL",
            commander=commander,
            is_private=private,
            service=service,
        )
        incident_id = declare.declare(self.sessions, self.policy, declaration, self.at(minutes))[0].id
        if drill:  # declaring drills is someone else's feature: mark it as one
            with transaction(self.sessions) as session:
                session.execute(update(Incident).where(Incident.id == incident_id).values(is_drill=True))
        for key, value in field_values.items():
            fields.set_field(self.sessions, self.policy, incident_id, key, value, "U0IC", self.at(minutes))
        return incident_id

    def assign(self, incident_id: int, minutes: float, role: str = "ic", user: str = "U0IC") -> None:
        roles.assign(
            self.sessions, self.policy, incident_id, role, user, user, self.at(minutes), is_admin=True
        )

    def update(self, incident_id: int, minutes: float, status: Status | None = None) -> None:
        updates.post_update(
            self.sessions,
            self.policy,
            incident_id,
            author="U0IC",
            text="news",
            now=self.at(minutes),
            status=status,
        )

    def status(self, incident_id: int, minutes: float, status: Status) -> None:
        updates.set_status(self.sessions, self.policy, incident_id, status, "U0IC", self.at(minutes))

    def severity(self, incident_id: int, minutes: float, severity: str, reason: str = "better now") -> None:
        updates.change_severity(
            self.sessions, self.policy, incident_id, severity, "U0IC", self.at(minutes), reason
        )

    def resolve(
        self, incident_id: int, minutes: float, summary: str = "Fixed", root_cause: str = "", fix: str = ""
    ) -> None:
        resolution.resolve(
            self.sessions,
            self.policy,
            incident_id,
            "U0IC",
            self.at(minutes),
            summary=summary,
            root_cause=root_cause,
            fix=fix,
        )

    def reopen(self, incident_id: int, minutes: float) -> None:
        resolution.reopen(self.sessions, self.policy, incident_id, "U0IC", self.at(minutes))

    def close(self, incident_id: int, minutes: float) -> None:
        resolution.close(self.sessions, self.policy, incident_id, "U0IC", self.at(minutes))

    def action(self, incident_id: int, minutes: float, text: str, due: date | None = None) -> None:
        followups.add(
            self.sessions,
            incident_id,
            text=text,
            owner="U0OWNER",
            due=due,
            actor="U0IC",
            now=self.at(minutes),
            remind_at=None,
        )

    def scheduler_records(self, incident_id: int, minutes: float, kind: str, **details: Any) -> None:
        """What the scheduler records: ``reminder_sent``, ``escalated``, ``paged``."""
        with transaction(self.sessions) as session:
            incident = queries.lock(session, incident_id)
            timeline.record(session, incident, kind, self.at(minutes), None, **details)

    def metrics(self, incident_id: int, now_minutes: float = 24 * 60) -> IncidentMetrics:
        with self.sessions() as session:
            incident = session.get_one(Incident, incident_id)
            return measured(session, self.policy, [incident], self.at(now_minutes))[0]
