"""Refusals in words: the domain says who may and why; this says it to a person, in mrkdwn."""

from __future__ import annotations

from bot.errors import Refusal
from bot.slack.lines import mention

ROLE_ACTIONS = ("reassign", "release")


def word(refusal: Refusal) -> str:
    subject = refusal.subject
    if refusal.reason == "held":
        return f"{mention(refusal.holder)} already holds {subject}."
    if refusal.reason == "lost_race":
        return f"{mention(refusal.holder)} took {subject} just before you."
    if refusal.reason == "not_invited":
        return f"Only the people {subject} asked for may join its channel; ask its Incident Commander."
    if refusal.reason == "concurrent":
        return f"Someone changed {subject} at the same moment; look at the panel and try again."
    names = " or ".join(mention(p) for p in refusal.who_may)
    if refusal.reason == "never_public":
        return f"{refusal.action}: it is never published on the status page."
    if refusal.reason == "not_writer":
        who = f" ({names})" if names else ""
        return (
            f"Only the Incident Commander or the Comms Lead{who}, or an incident admin, may publish "
            f"{subject} on the status page."
        )
    if refusal.action in ROLE_ACTIONS:
        who = f"{names}, or an incident admin" if names else "an incident admin"
        return f"{mention(refusal.holder)} holds {subject}. Only {who} may {refusal.action} it."
    commander = f"the Incident Commander ({names})" if names else "the Incident Commander"
    return f"Only {commander} or an incident admin may {refusal.action} {subject}."
