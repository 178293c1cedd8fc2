"""A local Slack stand-in for end-to-end tests and demos (see :class:`SlackStandIn`)."""

from playground.faults import HoldHandle
from playground.records import Ack, Call, ResponsePost, StoredFile
from playground.sender import Reply, SignedSender
from playground.server import SlackStandIn

__all__ = ["Ack", "Call", "HoldHandle", "Reply", "ResponsePost", "SignedSender", "SlackStandIn", "StoredFile"]
