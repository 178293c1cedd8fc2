"""The tables: incidents, their role assignments, timeline events, updates, follow-ups, scheduled
work, the outbox and the record of what the bot made outside."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from bot.db.types import UTCDateTime


class Base(DeclarativeBase):
    pass


class Status(StrEnum):
    INVESTIGATING = "Investigating"
    IDENTIFIED = "Identified"
    MONITORING = "Monitoring"
    RESOLVED = "Resolved"
    CLOSED = "Closed"  # resolved and its postmortem done


OPEN_STATUSES = (Status.INVESTIGATING, Status.IDENTIFIED, Status.MONITORING)
ENDED_STATUSES = (Status.RESOLVED, Status.CLOSED)
# The same, as the strings stored in ``Incident.status``.
OPEN = frozenset(s.value for s in OPEN_STATUSES)
ENDED = frozenset(s.value for s in ENDED_STATUSES)


class IncidentCounter(Base):
    """The last incident number used in a year; incremented under a row lock."""

    __tablename__ = "incident_counters"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_number: Mapped[int] = mapped_column(Integer, default=0)


class Incident(Base):
    __tablename__ = "incidents"
    __table_args__ = (
        UniqueConstraint("year", "number", name="uq_incidents_year_number"),
        Index("ix_incidents_status", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(500))
    severity: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(32), default=Status.INVESTIGATING.value)
    impact: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text, default="")
    service: Mapped[str] = mapped_column(String(200), default="")
    declared_by: Mapped[str] = mapped_column(String(32))
    declared_at: Mapped[datetime] = mapped_column(UTCDateTime())
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    channel_id: Mapped[str | None] = mapped_column(String(32), nullable=True, unique=True)
    channel_name: Mapped[str | None] = mapped_column(String(80), nullable=True)
    # Where the declare came from, so a double submit or a Slack retry finds the incident it made.
    source_key: Mapped[str | None] = mapped_column(String(200), nullable=True, unique=True)
    # Private (security, data leak): a private channel, and nothing but its existence and
    # severity shown outside it.
    is_private: Mapped[bool] = mapped_column(default=False)
    # A rehearsal: reports and metrics leave drills out unless asked.
    is_drill: Mapped[bool] = mapped_column(default=False)
    # The policy's custom fields (platform, services, …): key → text, or a list for multi_select.
    fields: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, server_default=text("'{}'"))
    # What the resolver wrote: the summary, the root cause in brief, the fix.
    summary: Mapped[str] = mapped_column(Text, default="")
    root_cause: Mapped[str] = mapped_column(Text, default="")
    fix: Mapped[str] = mapped_column(Text, default="")
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # When the next update is promised (declaration or last update + the cadence); NULL: no cadence.
    next_update_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    roles: Mapped[list[RoleAssignment]] = relationship(
        back_populates="incident", order_by="RoleAssignment.id", lazy="selectin"
    )
    # The Slack messages the bot posted for it (to edit and pin later), from its external references.
    messages: Mapped[list[ExternalRef]] = relationship(
        primaryjoin="and_(Incident.id == ExternalRef.incident_id, ExternalRef.system == 'slack', "
        "ExternalRef.external_id.is_not(None))",
        order_by="ExternalRef.id",
        lazy="selectin",
        viewonly=True,
    )

    @property
    def ref(self) -> str:
        return f"INC-{self.year}-{self.number:04d}"

    def holder(self, role: str) -> str | None:
        """The user currently holding ``role``, if anyone."""
        return next((r.user_id for r in self.roles if r.role == role and r.released_at is None), None)

    def message(self, purpose: str, channel_id: str | None = None) -> ExternalRef | None:
        return next(
            (
                m
                for m in self.messages
                if m.purpose == purpose and (channel_id is None or m.channel_id == channel_id)
            ),
            None,
        )


class RoleAssignment(Base):
    """Who held which role, from when until when (``released_at`` NULL: holds it now)."""

    __tablename__ = "role_assignments"
    __table_args__ = (
        Index(
            "uq_role_assignments_current",
            "incident_id",
            "role",
            unique=True,
            sqlite_where=text("released_at IS NULL"),
            postgresql_where=text("released_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(32))
    assigned_by: Mapped[str] = mapped_column(String(32))
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime())
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    incident: Mapped[Incident] = relationship(back_populates="roles")


class TimelineEvent(Base):
    __tablename__ = "timeline_events"
    __table_args__ = (
        Index("ix_timeline_events_incident_at", "incident_id", "at"),
        UniqueConstraint("source_key", name="uq_timeline_events_source_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str | None] = mapped_column(String(32), nullable=True)
    kind: Mapped[str] = mapped_column(String(40))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # For entries captured from Slack messages ("<channel>:<ts>"): the same message is one entry.
    source_key: Mapped[str | None] = mapped_column(String(100), nullable=True)


class ExternalRef(Base):
    """Something the bot made outside for an incident: a Slack message or bookmark, a page, a
    ticket, a status-page incident. ``external_id`` is NULL while it is owed and not made yet."""

    __tablename__ = "external_refs"
    __table_args__ = (UniqueConstraint("incident_id", "system", "purpose", name="uq_external_refs"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    system: Mapped[str] = mapped_column(String(20))  # slack, pagerduty, jira, github, linear, statuspage
    purpose: Mapped[str] = mapped_column(String(80))  # announcement, broadcast, follow_up:17, …
    container: Mapped[str | None] = mapped_column(String(120), nullable=True)  # a channel, a project
    external_id: Mapped[str | None] = mapped_column(String(200), nullable=True)  # a ts, a ticket key
    url: Mapped[str | None] = mapped_column(String(1000), nullable=True)

    @property
    def channel_id(self) -> str:
        """A Slack message's channel."""
        return self.container or ""

    @property
    def ts(self) -> str:
        """A Slack message's timestamp."""
        return self.external_id or ""


class StatusUpdate(Base):
    """An update posted to everyone: what changed, the status and impact then, the next promise."""

    __tablename__ = "status_updates"
    __table_args__ = (Index("ix_status_updates_incident_at", "incident_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    author: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(32))
    impact: Mapped[str] = mapped_column(Text, default="")
    text: Mapped[str] = mapped_column(Text)
    expected_resolution: Mapped[str] = mapped_column(String(200), default="")
    next_update_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # The submission it came from (a view id, a command's trigger), so a double submit posts once.
    source_key: Mapped[str | None] = mapped_column(String(200), nullable=True, unique=True)


class ScheduledWork(Base):
    """Something due at a time: the database is the truth of what the scheduler must do.

    One row per (incident, kind, key): the next update reminder, an escalation tier, a follow-up
    reminder. A tick takes a due row, decides through the domain (which owes Slack effects in the
    outbox) and reschedules or deletes the row, all in one transaction.
    """

    __tablename__ = "scheduled_work"
    __table_args__ = (
        UniqueConstraint("incident_id", "kind", "key", name="uq_scheduled_work"),
        Index("ix_scheduled_work_due_at", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(100), default="")
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(200), nullable=True)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ActionItem(Base):
    """A follow-up from the incident: what, who, by when, and whether it is done."""

    __tablename__ = "action_items"
    __table_args__ = (Index("ix_action_items_incident", "incident_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    owner: Mapped[str | None] = mapped_column(String(32), nullable=True)
    due: Mapped[date | None] = mapped_column(Date, nullable=True)
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    done_by: Mapped[str | None] = mapped_column(String(32), nullable=True)
    source_key: Mapped[str | None] = mapped_column(String(200), nullable=True, unique=True)


# OutboxEffect.state
PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"


class OutboxEffect(Base):
    """One Slack effect a committed change owes (a post, an edit, an invite, a page, …).

    Written in the transaction of the change, sent by the delivery workers: in order within its
    ``lane`` (a channel, a person's DMs, a pager), paced, retried until it lands or reported.
    ``key`` is its idempotency key, carried in the message metadata of a post so that a post whose
    outcome is unknown (a crash, a dropped connection) is found in Slack instead of sent twice.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("key", name="uq_outbox_key"),
        Index(
            "ix_outbox_pending_due",
            "not_before",
            sqlite_where=text("state = 'pending'"),
            postgresql_where=text("state = 'pending'"),
        ),
        Index(
            "ix_outbox_pending_lane",
            "lane",
            "id",
            sqlite_where=text("state = 'pending'"),
            postgresql_where=text("state = 'pending'"),
        ),
        Index("ix_outbox_incident", "incident_id"),
        Index("ix_outbox_kind", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int | None] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), nullable=True
    )
    key: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(20))
    lane: Mapped[str] = mapped_column(String(120))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Who made the change (told when the effect cannot be delivered).
    actor: Mapped[str | None] = mapped_column(String(32), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    not_before: Mapped[datetime] = mapped_column(UTCDateTime())
    state: Mapped[str] = mapped_column(String(12), default="pending")  # pending, delivered, failed
    # Bumped when an edit is owed again while pending: a send of an older version is not the last.
    version: Mapped[int] = mapped_column(Integer, default=0)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    claim_token: Mapped[str | None] = mapped_column(String(32), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # An attempt may have reached Slack without its outcome being recorded: look before resending.
    in_doubt: Mapped[bool] = mapped_column(default=False)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class Alert(Base):
    """An alert from the alerting side (a PagerDuty incident, an Alertmanager alert, a generic one),
    one row per source and dedup key however often it fires; linked to an incident once someone
    declares from it or links it."""

    __tablename__ = "alerts"
    __table_args__ = (
        UniqueConstraint("source", "key", name="uq_alerts_source_key"),
        Index("ix_alerts_incident", "incident_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(20))  # pagerduty, alertmanager, generic
    key: Mapped[str] = mapped_column(String(200))  # PagerDuty's incident id, a fingerprint, a dedup_key
    title: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(20))  # firing, acknowledged, resolved
    severity: Mapped[str] = mapped_column(String(40), default="")  # as the source says it
    urgency: Mapped[str] = mapped_column(String(20), default="")
    service: Mapped[str] = mapped_column(String(200), default="")
    url: Mapped[str] = mapped_column(String(1000), default="")
    labels: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    details: Mapped[str] = mapped_column(Text, default="")
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime())
    fired: Mapped[int] = mapped_column(Integer, default=1)  # how often it fired
    incident_id: Mapped[int | None] = mapped_column(
        ForeignKey("incidents.id", ondelete="SET NULL"), nullable=True
    )
    dismissed_by: Mapped[str | None] = mapped_column(String(32), nullable=True)
    # its message in the alerts channel (to edit when it fires again or changes)
    post_channel: Mapped[str | None] = mapped_column(String(32), nullable=True)
    post_ts: Mapped[str | None] = mapped_column(String(32), nullable=True)


class AlertDelivery(Base):
    """A webhook delivery already taken (PagerDuty's event id; an Alertmanager alert's fingerprint,
    status and start): the same delivery again changes nothing."""

    __tablename__ = "alert_deliveries"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PeriodicRun(Base):
    """When a periodic job (reading the trackers' ticket states) may run next: the replica that moves
    this time forward runs it, the others do not."""

    __tablename__ = "periodic_runs"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    next_at: Mapped[datetime] = mapped_column(UTCDateTime())


class OpenForm(Base):
    """A form the bot opened for someone (a Slack view), with what its submission needs: kept here,
    not read back from the view, so a form acts only for the person it was opened for. ``form_id``
    is the bot's own random id, given to the view as its ``external_id`` (stored before it opens)."""

    __tablename__ = "open_forms"
    __table_args__ = (Index("ix_open_forms_opened_at", "opened_at"),)

    form_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(40))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())


class OutboxHold(Base):
    """An outside system that refuses the bot itself, or one kind of effect it lacks a permission
    for: those effects wait (every replica sees it) until a probe finds it accepts them again."""

    __tablename__ = "outbox_holds"

    scope: Mapped[str] = mapped_column(String(80), primary_key=True)  # "<adapter>:<kind or *>"
    adapter: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str | None] = mapped_column(String(20), nullable=True)
    reason: Mapped[str] = mapped_column(String(200))
    detail: Mapped[str | None] = mapped_column(String(500), nullable=True)
    since: Mapped[datetime] = mapped_column(UTCDateTime())
    probe_at: Mapped[datetime] = mapped_column(UTCDateTime())
    probes: Mapped[int] = mapped_column(Integer, default=0)


class OutboxHead(Base):
    """Each lane's head: its oldest pending effect, the only one of it that may go (NULL: nothing
    pending). A claim reads heads, never the effects waiting behind them, so its cost does not grow
    with a long lane. Moved at the commit of every change to the lane's pending effects, under this
    row's lock (``bot.outbox.store``)."""

    __tablename__ = "outbox_heads"
    __table_args__ = (
        Index(
            "ix_outbox_heads_owed",
            "effect_id",
            sqlite_where=text("effect_id IS NOT NULL"),
            postgresql_where=text("effect_id IS NOT NULL"),
        ),
    )

    lane: Mapped[str] = mapped_column(String(120), primary_key=True)
    effect_id: Mapped[int | None] = mapped_column(Integer, nullable=True)


class OutboxLane(Base):
    """Pacing per lane: when the next post may go (Slack allows about one a second per channel)."""

    __tablename__ = "outbox_lanes"

    lane: Mapped[str] = mapped_column(String(120), primary_key=True)
    next_post_at: Mapped[datetime] = mapped_column(UTCDateTime())
