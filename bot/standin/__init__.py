"""A local Slack stand-in for end-to-end tests and demos (see :class:`SlackStandIn`)."""

from bot.standin.faults import HoldHandle
from bot.standin.records import Ack, Call, ResponsePost, StoredFile
from bot.standin.sender import Reply, SignedSender
from bot.standin.server import SlackStandIn

__all__ = ["Ack", "Call", "HoldHandle", "Reply", "ResponsePost", "SignedSender", "SlackStandIn", "StoredFile"]
