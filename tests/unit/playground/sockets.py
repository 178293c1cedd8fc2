"""Closing slack_sdk's builtin Socket Mode client in tests, quickly and without flaking."""

from __future__ import annotations

import contextlib
from typing import Any

from playground.server import SlackStandIn


def close_client(standin: SlackStandIn, client: Any) -> None:
    """Drop the connection from the stand-in's side first (sparing the client a 3 s blocking recv),
    then close the client. slack_sdk's builtin client can race its own receiver thread here (it
    sets ``sock`` to None between a check and ``close()``): an AttributeError then is harmless."""
    client.auto_reconnect_enabled = False
    standin.drop_socket_connections()
    with contextlib.suppress(AttributeError):
        client.close()
