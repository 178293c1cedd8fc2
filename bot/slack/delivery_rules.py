"""What Slack's answers mean for delivery: the errors retrying cannot fix, the ones that refuse
the bot itself, the kinds Slack limits per channel or by a small budget, and what a sender raises
when an effect cannot go (yet)."""

from __future__ import annotations

from datetime import timedelta

# Slack errors that retrying cannot fix; the effect is reported instead.
PERMANENT = frozenset(
    {
        "channel_not_found", "is_archived", "not_in_channel", "user_not_found", "cant_invite",
        "user_disabled", "user_is_restricted", "cannot_dm_bot", "restricted_action",
        "no_permission", "invalid_blocks", "invalid_arguments", "msg_too_long", "message_not_found",
        "cant_update_message", "not_allowed_token_type", "method_not_supported_for_channel_type",
    }
)  # fmt: skip
# Slack refuses the bot itself, not this message: every Slack effect waits until it takes the token.
BOT_REFUSED = frozenset(
    {
        "invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive",
        "team_access_not_granted", "ekm_access_denied",
    }
)  # fmt: skip
# Errors that mean the place itself is unusable: a report about them goes elsewhere.
PLACE_GONE = frozenset({"channel_not_found", "is_archived", "not_in_channel"})
# Kinds Slack limits per channel (chat.postMessage), not per method for the workspace: a 429 waits
# that one effect (its lane), never the kind everywhere.
PER_CHANNEL = frozenset({"post", "alert", "file"})
# Kinds what follows in their lane needs first (the incident channel): a 429 waits in line, never
# as a hold that lets the lane go on without it.
IN_LINE = frozenset({"create_channel"})
# Kinds whose Slack method has a small budget (Tier 2: about 20 calls a minute): sent one at a time
# by each replica, so that after a 429 no call of this replica goes before its Retry-After.
SMALL_BUDGET = frozenset({"create_channel", "topic", "pin", "bookmark"})


class CannotDeliver(Exception):
    """Raised by a sender when the effect cannot be done, for good (the message is the error code)."""


class NoChannel(Exception):
    """The incident has no channel: Slack refused to create it (and said so once, then)."""


class ChannelComing(Exception):
    """The incident's channel is owed and not made yet: what names it waits (without spending an
    attempt) rather than say "channel pending" for good."""


CHANNEL_WAIT = timedelta(seconds=0.5)


class ThreadComing(Exception):
    """The message a reply threads under is being posted (owed, not recorded yet): the reply waits
    a moment (without spending an attempt) rather than land outside the thread."""


# How long a reply waits for the message it threads under (while that is still owed); after that
# it goes to the channel.
THREAD_WAIT = timedelta(seconds=15)

# Seconds an effect of a kind held for another reason (the token, a scope) waits before it is
# claimed again; by then every replica has read the hold and no longer claims the kind.
HOLDS_SEEN = 1.0
