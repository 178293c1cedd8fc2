"""What a change owes, typed: one payload model per kind of effect, checked by mypy where it is
owed and where it is delivered.

A ``place`` is where a message goes, in the domain's words: the incident's own channel
(``INCIDENT``), the announcement channel, the leadership channel, a person (``user:U…``) or a
channel named in the policy (``channel:…``). Adapters turn places into their own addresses.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field

from bot.outbox.adapters import Effect

INCIDENT = "incident"  # the incident's own channel
ANNOUNCEMENTS = "announcements"  # the policy's announcement channel
LEADERSHIP = "leadership"  # the policy's leadership channel

PageAction = Literal["trigger", "resolve"]


# -- chat (delivered by the Slack adapter) ----------------------------------------------------
class Post(Effect):
    """A message named by what it says, rendered when it is sent."""

    KIND: ClassVar[str] = "post"
    place: str
    message: str
    thread: str | None = None  # in the thread of the incident's announcement in that place
    data: dict[str, Any] = Field(default_factory=dict)
    record_as: str | None = None  # remembered (an external reference) to edit or pin later
    refreshed_by: str | None = None  # the key of the edit that would show the same state


class Edit(Effect):
    """A message the bot posted, shown again as the incident is now."""

    KIND: ClassVar[str] = "edit"
    place: str
    purpose: str
    message: str


class Topic(Effect):
    KIND: ClassVar[str] = "topic"
    place: str = INCIDENT


class Pin(Effect):
    KIND: ClassVar[str] = "pin"
    place: str = INCIDENT
    purpose: str


class Invite(Effect):
    KIND: ClassVar[str] = "invite"
    place: str = INCIDENT
    user: str


class CreateChannel(Effect):
    KIND: ClassVar[str] = "create_channel"
    place: str = INCIDENT


class File(Effect):
    """A document uploaded to the incident's channel."""

    KIND: ClassVar[str] = "file"
    place: str = INCIDENT
    document: str = "postmortem"


class Bookmark(Effect):
    """A link kept in the incident channel: to an upload (``file``, the key of the effect that
    uploaded it) or to a ``url`` (the conference bridge)."""

    KIND: ClassVar[str] = "bookmark"
    place: str = INCIDENT
    title: str
    file: str | None = None
    url: str | None = None


class Reply(Effect):
    """A private answer to the person who acted (their response URL while it lasts, else a DM)."""

    KIND: ClassVar[str] = "reply"
    place: str = INCIDENT
    message: str
    url: str | None = None
    user: str


class Home(Effect):
    """A person's overview of the open incidents (Slack's App Home)."""

    KIND: ClassVar[str] = "home"
    user: str


class AlertShown(Effect):
    """An alert's message in the alerts channel, posted once and then edited to show it as it is."""

    KIND: ClassVar[str] = "alert"
    alert_id: int


# -- pagers (delivered by bot/integrations/pager) ----------------------------------------------
class Page(Effect):
    """A page to every pager of an escalation target (owed by releases before 0009; delivering it
    owes one ``PagerDutyEvent`` and one ``WebhookPage`` per destination instead)."""

    KIND: ClassVar[str] = "page"
    target: str
    action: PageAction
    reason: str = ""


class PagerDutyEvent(Effect):
    """An event for a target's PagerDuty service (Events API v2: the routing key is the target's)."""

    KIND: ClassVar[str] = "pagerduty"
    target: str
    action: PageAction
    reason: str = ""


class WebhookPage(Effect):
    """A JSON post to a target's webhook."""

    KIND: ClassVar[str] = "webhook"
    target: str
    action: PageAction
    reason: str = ""


# -- PagerDuty's REST API (delivered by bot/integrations/pagerduty) ---------------------------
class PagerDutyIncidentChange(Effect):
    """A PagerDuty incident acknowledged or resolved because the incident it became was."""

    KIND: ClassVar[str] = "pagerduty_incident"
    pagerduty_id: str
    status: Literal["acknowledged", "resolved"]
    actor: str | None = None  # the person who did it (PagerDuty hears their email)


class OnCallTell(Effect):
    """An escalation tier's message to whoever PagerDuty says is on call for ``target`` now (each
    person's own direct message, owed by its delivery under ``cause``)."""

    KIND: ClassVar[str] = "oncall"
    target: str
    message: str
    cause: str
    data: dict[str, Any] = Field(default_factory=dict)


# -- trackers (delivered by bot/integrations/trackers) ----------------------------------------
class TicketCreate(Effect):
    """A follow-up's ticket (``item_id``), or the incident's own ticket (no item), in the tracker."""

    KIND: ClassVar[str] = "ticket"
    item_id: int | None = None


class TicketClose(Effect):
    """A follow-up marked done in Slack: its ticket closed (moved to done) in the tracker."""

    KIND: ClassVar[str] = "ticket_close"
    item_id: int


# -- the status page (delivered by bot/integrations/statuspage) --------------------------------
class StatusPagePublish(Effect):
    """A publication (a ``status_published`` timeline event) on the public status page: the page's
    incident made the first time, updated after."""

    KIND: ClassVar[str] = "statuspage"
    event_id: int


KINDS: dict[str, type[Effect]] = {
    model.KIND: model
    for model in (
        Post, Edit, Topic, Pin, Invite, CreateChannel, File, Bookmark, Reply, Home, AlertShown, Page,
        PagerDutyEvent, WebhookPage, PagerDutyIncidentChange, OnCallTell, TicketCreate, TicketClose,
        StatusPagePublish,
    )
}  # fmt: skip
