"""Reading what people type after a subcommand (Slack's command syntax, mentions as ``<@U…|name>``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from bot.config.policy import Policy
from bot.errors import InputError
from bot.incidents.declare import allowed
from bot.incidents.followups import Parsed, due_phrase, parse_due
from bot.text import MENTION

# A first word that looks like a severity (P1, p9, SEV2) but may not be one the policy knows.
_SEVERITY_LIKE = re.compile(r"^(?:p|sev)\d+$", re.IGNORECASE)
# where "due <when>" may start (linear: no pattern over what follows, which may be long)
_DUE = re.compile(r"\bdue\s+", re.IGNORECASE)
# what a person meant as a date, even when it is not one we read (12/01, in 3 dayz): said so
_DATE_LIKE = re.compile(r"^(?:\d|in\s+\d)", re.IGNORECASE)


@dataclass(frozen=True)
class FastPath:
    """``/incident declare P1 Checkout down``: severity and title, or only a title for the form."""

    severity: str | None
    title: str


def parse_fast_path(policy: Policy, text: str) -> FastPath:
    """Split the text after ``declare``; a severity-like first word the policy lacks is an error."""
    first, _, rest = text.strip().partition(" ")
    severity = policy.find_severity(first) if first else None
    if severity is not None:
        if not rest.strip():
            example = f"`/incident declare {severity.key} Checkout down`"
            raise InputError({"title": f"Give a title after the severity, e.g. {example}."})
        return FastPath(severity.key, rest.strip())
    if _SEVERITY_LIKE.match(first):
        raise InputError({"severity": f"{first} is not a severity; choose one of {allowed(policy)}."})
    return FastPath(None, text.strip())


def parse_action(args: str, today: date) -> Parsed:
    """``<text> [@owner] [due <when>]``: a mention at the end names the owner; ``<when>`` is read
    from ``today``, the person's own day. Only the last "due" can start the date, and only when what
    follows names a day or looks like a date ("due to load", "due process" are the text's own)."""
    due = None
    last_due = next(reversed(list(_DUE.finditer(args))), None)
    if last_due is not None:
        phrase = args[last_due.end() :].strip()
        if due_phrase(phrase, today) is not None or _DATE_LIKE.match(phrase):
            due = parse_due(phrase, today)
            args = args[: last_due.start()]
    mentions = list(MENTION.finditer(args))
    last = mentions[-1] if mentions else None
    owner = None
    if last is not None and not args[last.end() :].strip():
        owner, args = last.group(1), args[: last.start()]
    return Parsed(args.strip(), owner, due)
